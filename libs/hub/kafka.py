"""Kafka clients built one way for the whole mesh, and topic provisioning."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, UnknownTopicOrPartitionError, for_code

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


# What a consumer buffers per partition ahead of its handlers (Kafka's default is 1 MiB). It hands out buffered
# records partition by partition, so a replica taking over a dead one's partitions first worked through the ~1,500
# events it had buffered for each of its own (76 s in the consumer drill, A29.1). A record larger than this is still
# fetched whole, alone.
MAX_PARTITION_FETCH_BYTES = 64 * 1024


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
        max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
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


@contextlib.asynccontextmanager
async def admin_client(settings: HubSettings, role: str) -> AsyncIterator[AIOKafkaAdminClient]:
    """A started admin client of the service (client id `<service>-<role>`), closed on leaving."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-{role}",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    try:
        # Started inside: a start that fails or is cancelled half-way still closes what it opened.
        await admin.start()
        yield admin
    finally:
        await admin.close()


async def ensure_topics(settings: HubSettings, topics: list[str], config: Mapping[str, str] | None = None) -> None:
    """Create the logical topics (and nothing else) if they do not exist yet, with the partitions the mesh declares
    (`declared_partitions`), the settings' replication factor and the topic `config` given (such as
    `cleanup.policy=compact`); safe to race with other services. An existing topic is left as it is; a topic the
    broker refuses to create raises its KafkaError."""
    partitions = declared_partitions(settings, topics)
    async with admin_client(settings, "admin") as admin:
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


async def topic_partitions(settings: HubSettings, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of the (physical) topics; none for a topic that does not exist yet."""
    async with admin_client(settings, "reader") as admin:
        described = await admin.describe_topics(sorted(set(topics)))
    partitions = []
    for topic in described:
        if topic["error_code"] == UnknownTopicOrPartitionError.errno:
            continue
        if topic["error_code"]:
            raise for_code(topic["error_code"])(f"cannot read {topic['topic']}")
        partitions += [TopicPartition(topic["topic"], p["partition"]) for p in topic["partitions"]]
    return partitions


async def records_to_end(
    settings: HubSettings, topics: Iterable[str], since: datetime | None = None
) -> AsyncIterator[ConsumerRecord[bytes, bytes]]:
    """Every record of the (physical) topics up to their end offsets as they are when this starts, partition by
    partition: from the beginning, or from the first record its producer stamped at or after `since`. Read with a
    group-less consumer that commits nothing; a topic that does not exist has none."""
    partitions = await topic_partitions(settings, topics)
    if not partitions:
        return
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-reader",
        enable_auto_commit=False,
        request_timeout_ms=max(settings.kafka_request_timeout_ms, 40_000),
    )
    try:
        await consumer.start()  # inside, as admin_client's
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        # Explicit offsets, each partition sought to its own: a reset asked for meanwhile would race the fetcher's
        # own reset to the latest offset.
        if since is None:
            starts = await consumer.beginning_offsets(partitions)
        else:
            stamped = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
            starts = {tp: found.offset for tp, found in stamped.items() if found is not None}
        reading = {}  # partition → the end offset to read up to
        for tp, start in starts.items():
            if start < ends[tp]:
                consumer.seek(tp, start)
                reading[tp] = ends[tp]
        while reading:
            for tp, messages in (await consumer.getmany(*reading, timeout_ms=1000, max_records=5000)).items():
                for message in messages:
                    if message.offset < reading.get(tp, 0):
                        yield message
            for tp in [tp for tp, end in reading.items() if await consumer.position(tp) >= end]:
                del reading[tp]
    finally:
        await consumer.stop()


async def event_ids_since(settings: HubSettings, topics: Iterable[str], since: datetime) -> set[str]:
    """The CloudEvents ids (`ce_id` headers) of every record on the (physical) `topics` that its producer stamped at or
    after `since` (records_to_end)."""
    return {
        value.decode("utf-8", "replace")
        async for record in records_to_end(settings, topics, since)
        for name, value in record.headers
        if name == "ce_id" and value
    }
