"""Consumer lag and dead letters as sampled gauges (hub.metrics_sampling), read from the broker.

A reader's lag on a topic is, summed over the topic's partitions, how many messages lie between the position it
reads next and the partition's end. For a consumer group the position is its committed offset (hub.consumer commits
only after an event's effect has committed); a partition it never committed is read from the start, as
`auto_offset_reset="earliest"` has it. Messages below a partition's start were deleted and can no longer be read,
so they are not lag. A follower that keeps its positions itself (open-svc's replica) passes them in.

Dead letters: how many messages each consumed topic's `<topic>.dlq` holds (every consumer of the topic writes there),
beside the per-process counter `hub_events_dead_lettered_total`, whose series this sampler creates at 0 for every
topic the service consumes, so that the first dead letter after a start is an increase Prometheus sees.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Mapping, Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI

from hub import metrics
from hub.kafka import DLQ_SUFFIX, consumer_group
from hub.metrics_sampling import Reading, SampledGauge, Sampler
from hub.settings import HubSettings

CONSUMER_LAG = SampledGauge(
    "hub_consumer_lag",
    "Messages of a topic not yet processed by a consumer group (or a follower keeping its own positions).",
    ("group", "topic"),
)
DEAD_LETTER_MESSAGES = SampledGauge(
    "hub_dead_letter_messages",
    "Messages held by a consumed topic's dead-letter topic <topic>.dlq, from every consumer of the topic.",
    ("topic",),
)


def lag_by_topic(
    starts: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int], positions: Mapping[TopicPartition, int]
) -> dict[str, int]:
    """Per topic, the messages between each partition's next position (its start if none) and its end."""
    lag: dict[str, int] = {}
    for tp, end in ends.items():
        start = starts.get(tp, 0)
        position = max(positions.get(tp, start), start)
        lag[tp.topic] = lag.get(tp.topic, 0) + max(end - position, 0)
    return lag


class KafkaOffsets:
    """An admin client and a consumer outside any group, for reading partitions' bounds and groups' offsets.

    A service keeps one (`shared_offsets`) from its first sample to its shutdown: starting the consumer asks the
    broker for the metadata of every topic it holds, which costs more CPU the more topics the cluster has (35 ms at
    930 topics, measured), and the samplers used to start a pair every round."""

    def __init__(self, settings: HubSettings) -> None:
        timeout = settings.kafka_request_timeout_ms
        client_id = f"{settings.service_name}-metrics"
        self._admin = AIOKafkaAdminClient(
            bootstrap_servers=settings.kafka_bootstrap_servers, client_id=client_id, request_timeout_ms=timeout
        )
        # No group and no assignment: it only asks for offsets, it never fetches a record.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            client_id=client_id,
            enable_auto_commit=False,
            request_timeout_ms=timeout,
        )
        self._starting = asyncio.Lock()
        self._started = False

    async def start(self) -> KafkaOffsets:
        """Start both clients, once however many callers ask at the same time. A failed start leaves them unusable:
        close() this one and make another."""
        async with self._starting:
            if not self._started:
                await self._admin.start()
                await self._consumer.start()
                self._started = True
        return self

    async def close(self) -> None:
        """Close both clients."""
        with contextlib.suppress(Exception):
            await self._consumer.stop()
        with contextlib.suppress(Exception):
            await self._admin.close()

    async def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        """The partitions of those of `topics` that exist."""
        if not topics:
            return []
        described = await self._admin.describe_topics(list(topics))
        return [
            TopicPartition(topic["topic"], partition["partition"])
            for topic in described
            if topic["error_code"] == 0
            for partition in topic["partitions"]
        ]

    async def committed(self, group: str, partitions: Sequence[TopicPartition]) -> dict[TopicPartition, int]:
        """The group's committed offsets on those partitions where it committed one."""
        if not partitions:
            return {}
        offsets = await self._admin.list_consumer_group_offsets(group, partitions=list(partitions))
        return {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}

    async def bounds(
        self, partitions: Sequence[TopicPartition]
    ) -> tuple[dict[TopicPartition, int], dict[TopicPartition, int]]:
        """Each partition's first offset and its end (the offset its next message will have)."""
        if not partitions:
            return {}, {}
        starts = await self._consumer.beginning_offsets(list(partitions))
        ends = await self._consumer.end_offsets(list(partitions))
        return dict(starts), dict(ends)

    async def lag(
        self, group: str, partitions: Sequence[TopicPartition], positions: Mapping[TopicPartition, int]
    ) -> list[Reading]:
        """The lag readings, per topic, of a reader at `positions` in `partitions`."""
        starts, ends = await self.bounds(partitions)
        lag = lag_by_topic(starts, ends, positions)
        return [CONSUMER_LAG.reading(messages, group, topic) for topic, messages in sorted(lag.items())]


async def shared_offsets(app: FastAPI) -> KafkaOffsets:
    """The service's KafkaOffsets (`app.state.kafka_offsets`), started at its first use and kept until
    `close_shared_offsets`; one whose start failed is closed and forgotten, so the next sample starts afresh."""
    kept: KafkaOffsets | None = getattr(app.state, "kafka_offsets", None)
    offsets = kept if kept is not None else KafkaOffsets(app.state.settings)
    app.state.kafka_offsets = offsets
    try:
        return await offsets.start()
    except BaseException:
        if getattr(app.state, "kafka_offsets", None) is offsets:
            app.state.kafka_offsets = None
        await offsets.close()
        raise


async def close_shared_offsets(app: FastAPI) -> None:
    """Close the service's KafkaOffsets, if a sample started one (a sampler's `close`)."""
    offsets: KafkaOffsets | None = getattr(app.state, "kafka_offsets", None)
    app.state.kafka_offsets = None
    if offsets is not None:
        await offsets.close()


def messages_held(starts: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int]) -> dict[str, int]:
    """Per topic, the messages its partitions hold (end minus start)."""
    held: dict[str, int] = {}
    for tp, end in ends.items():
        held[tp.topic] = held.get(tp.topic, 0) + max(end - starts.get(tp, 0), 0)
    return held


def consumed_topics(app: FastAPI) -> list[str]:
    """The physical topics the service's event consumer reads (none if it has no handlers)."""
    handlers = getattr(app.state, "event_handlers", None)
    settings: HubSettings = app.state.settings
    return [settings.topic(topic) for topic in handlers.topics] if handlers is not None else []


async def sample_consumer(app: FastAPI) -> Iterable[Reading]:
    """The service's consumer group's lag per topic, and the dead letters of each topic it consumes."""
    topics = consumed_topics(app)
    if not topics:
        return []
    settings: HubSettings = app.state.settings
    for topic in topics:
        metrics.EVENTS_DEAD_LETTERED.labels(settings.service_name, topic)  # the series exists from 0
    group = consumer_group(settings)
    kafka = await shared_offsets(app)
    partitions = await kafka.partitions(topics)
    readings = await kafka.lag(group, partitions, await kafka.committed(group, partitions))
    starts, ends = await kafka.bounds(await kafka.partitions([t + DLQ_SUFFIX for t in topics]))
    held = messages_held(starts, ends)
    dead = [DEAD_LETTER_MESSAGES.reading(held.get(t + DLQ_SUFFIX, 0), t) for t in topics]
    return [*readings, *dead]


CONSUMER_SAMPLER = Sampler("consumer", sample_consumer, close=close_shared_offsets)
