"""Kafka clients built one way for the whole mesh, and topic provisioning."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from hub.mesh import load_mesh
from hub.settings import HubSettings

DLQ_SUFFIX = ".dlq"
NO_ERROR = 0


def create_producer(settings: HubSettings, *, max_batch_size: int = 16384) -> AIOKafkaProducer:
    """A producer that waits for all replicas and fails a batch the broker has not taken within the timeout.

    Not idempotent on purpose: aiokafka's idempotent producer retries a batch for as long as the broker is away,
    which would hold the outbox relay's transaction open through an outage and hang a shutdown. This one fails
    the send, the relay's claimed rows roll back and wait; a retried record that reaches Kafka twice is absorbed
    by the consumers' inbox. aiokafka keeps one batch in flight per partition, so order per key holds.
    `max_batch_size` (bytes per partition and request) is Kafka's default unless a bulk publisher asks for more.
    """
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        acks="all",
        enable_idempotence=False,
        request_timeout_ms=settings.kafka_request_timeout_ms,
        linger_ms=2,
        max_batch_size=max_batch_size,
    )


async def stop_producer(producer: AIOKafkaProducer, give_up_after: float) -> None:
    """Stop a producer, giving up after `give_up_after` seconds on records the broker has not taken."""
    with contextlib.suppress(Exception):
        await asyncio.wait_for(producer.stop(), give_up_after)


def consumer_group(settings: HubSettings) -> str:
    """The service's consumer group (its replicas share the work of its topics)."""
    return f"{settings.kafka_topic_prefix}{settings.service_name}"


def create_consumer(settings: HubSettings, *topics: str) -> AIOKafkaConsumer:
    """A consumer in the service's group that commits offsets itself, only after the effect has committed."""
    return AIOKafkaConsumer(
        *(settings.topic(t) for t in topics),
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        group_id=consumer_group(settings),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
    )


def declared_partitions(settings: HubSettings, topics: list[str]) -> dict[str, int]:
    """Each logical topic's partition count as services/mesh.toml declares it (`[topics."<name>"] partitions = N`);
    a dead-letter twin `<topic>.dlq` gets its topic's count. ValueError names a topic the mesh does not declare."""
    declared = load_mesh(settings.mesh_file).topics
    counts = {}
    for topic in topics:
        name = topic.removesuffix(DLQ_SUFFIX)
        if name not in declared:
            raise ValueError(f'topic {topic!r} is not declared in {settings.mesh_file} ([topics."{name}"])')
        counts[topic] = declared[name].partitions
    return counts


async def ensure_topics(settings: HubSettings, topics: list[str], config: Mapping[str, str] | None = None) -> None:
    """Create the logical topics (and nothing else) if they do not exist yet, with the partitions the mesh declares
    (`declared_partitions`), the settings' replication factor and the topic `config` given (such as
    `cleanup.policy=compact`); safe to race with other services. An existing topic is left as it is; a topic the
    broker refuses to create raises its KafkaError."""
    partitions = declared_partitions(settings, topics)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-admin",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(
                settings.topic(t), count, settings.kafka_topic_replication_factor, topic_configs=dict(config or {})
            )
            for t, count in partitions.items()
            if settings.topic(t) not in existing
        ]
        if missing:
            # The broker answers a refusal per topic, in the response rather than as an exception.
            response = await admin.create_topics(missing)
            for topic, code, *message in response.topic_errors:
                if code not in (NO_ERROR, TopicAlreadyExistsError.errno):  # another service may have raced us
                    raise for_code(code)(f"topic {topic!r} not created: {' '.join(map(str, message))}")
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


async def event_ids_since(settings: HubSettings, topics: Iterable[str], since: datetime) -> set[str]:
    """The CloudEvents ids (`ce_id` headers) of every record on the (physical) `topics` that its producer stamped at or
    after `since`, read with a group-less consumer that commits nothing. A topic that does not exist has none."""
    # Without a group, a subscription is given every partition of its topics and commits nothing.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-lookback",
        enable_auto_commit=False,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
    )
    await consumer.start()
    try:
        wanted = set(topics) & await consumer.topics()
        if not wanted:
            return set()
        consumer.subscribe(sorted(wanted))
        while {tp.topic for tp in consumer.assignment()} != wanted:  # noqa: ASYNC110 - aiokafka offers no event for it
            await asyncio.sleep(0.05)
        partitions = sorted(consumer.assignment())
        starts = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
        ends = await consumer.end_offsets(partitions)
        reading = {}  # partition → the end offset to read up to
        for tp, start in starts.items():
            if start is not None and start.offset < ends[tp]:
                consumer.seek(tp, start.offset)
                reading[tp] = ends[tp]
        seen: set[str] = set()
        while reading:
            batches = await consumer.getmany(*reading, timeout_ms=1000, max_records=5000)
            for tp, messages in batches.items():
                for message in messages:
                    if message.offset < reading.get(tp, 0):
                        seen.update(v.decode("utf-8", "replace") for k, v in message.headers if k == "ce_id" and v)
            for tp in [tp for tp, end in reading.items() if await consumer.position(tp) >= end]:
                del reading[tp]
        return seen
    finally:
        await consumer.stop()
