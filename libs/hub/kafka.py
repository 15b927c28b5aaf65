"""Kafka clients built one way for the whole mesh, and topic provisioning."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from hub.settings import HubSettings

DLQ_SUFFIX = ".dlq"


def create_producer(settings: HubSettings) -> AIOKafkaProducer:
    """An idempotent producer: acks from all replicas, no duplicates on retry, order kept per partition."""
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
    )


def create_consumer(settings: HubSettings, *topics: str) -> AIOKafkaConsumer:
    """A consumer in the service's group that commits offsets itself, only after the effect has committed."""
    return AIOKafkaConsumer(
        *(settings.topic(t) for t in topics),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        group_id=f"{settings.kafka_topic_prefix}{settings.service_name}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
    )


async def ensure_topics(settings: HubSettings, topics: list[str], partitions: int = 3) -> None:
    """Create the topics (and nothing else) if they do not exist yet; safe to race with other services."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-admin",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [settings.topic(t) for t in topics]
        missing = [NewTopic(t, partitions, 1) for t in wanted if t not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


async def kafka_reachable(settings: HubSettings, wait_seconds: float = 2.0) -> bool:
    """Whether the broker answers a metadata request in time (for /readyz)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-probe",
        request_timeout_ms=int(wait_seconds * 1000),
    )
    try:
        async with asyncio.timeout(wait_seconds):
            await admin.start()
            await admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()
