"""Consumer lag and dead letters as sampled gauges (hub.metrics_kafka), on the real broker: a consumer group's lag
from its committed offsets, the open replica's from the positions it keeps itself (open_svc.metrics), and the
messages each consumed topic's dead-letter topic holds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy import insert

from harness import Infra, Keys, settings_for
from hub.contracts.open_records import TOPIC as OPEN_RECORDS
from hub.contracts.open_records import TOPIC_CONFIG
from hub.db import create_engine, create_sessionmaker
from hub.kafka import consumer_group, ensure_topics
from hub.metrics_kafka import CONSUMER_LAG, DEAD_LETTER_MESSAGES, close_shared_offsets, lag_by_topic, sample_consumer
from hub.metrics_sampling import Reading
from open_svc.metrics import replica_group, sample_replica_lag
from open_svc.replica.models import ReplicaPosition
from open_svc.replica.repository import FROM_START
from share_svc.consumers import handlers as share_handlers

NO_DATABASE = "postgresql://nobody@127.0.0.1:1/none"


def tp(topic: str, partition: int) -> TopicPartition:
    return TopicPartition(topic, partition)


def test_lag_counts_from_the_next_position_or_the_partition_start_never_below_it() -> None:
    starts = {tp("a", 0): 0, tp("a", 1): 5, tp("a", 2): 0, tp("b", 0): 10}
    ends = {tp("a", 0): 10, tp("a", 1): 8, tp("a", 2): 3, tp("b", 0): 12}
    positions = {tp("a", 0): 4, tp("a", 2): 3, tp("b", 0): 2}
    # a/0: 10 - 4; a/1 never read: from its start, 8 - 5; a/2 read to its end; b/0 read up to messages since
    # deleted: only the two still there.
    assert lag_by_topic(starts, ends, positions) == {"a": 6 + 3 + 0, "b": 2}


def readings_of(readings: list[Reading]) -> dict[tuple[str, tuple[str, ...]], float]:
    return {(r.gauge.name, r.labelvalues): r.value for r in readings}


async def produce(bootstrap: str, topic: str, per_partition: dict[int, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for n in range(count):
                await producer.send_and_wait(topic, value=f"m{n}".encode(), key=b"k", partition=partition)
    finally:
        await producer.stop()


@pytest.fixture
async def share(infra: Infra, keys: Keys, topic_prefix: str) -> AsyncIterator[FastAPI]:
    """share-svc's state as its consumer's sampler sees it (no database needed)."""
    app = FastAPI()
    app.state.settings = settings_for("share", infra, keys, NO_DATABASE, topic_prefix)
    app.state.event_handlers = share_handlers
    yield app
    await close_shared_offsets(app)


@pytest.mark.integration
async def test_a_group_lags_by_what_it_has_not_committed_and_dead_letters_are_counted(
    share: FastAPI, infra: Infra
) -> None:
    settings = share.state.settings
    topic = settings.topic("catalog.events")
    assert share_handlers.topics == ["catalog.events"]
    await ensure_topics(settings, ["catalog.events", "catalog.events.dlq"])
    await produce(infra.kafka_bootstrap, topic, {0: 5, 1: 3})
    await produce(infra.kafka_bootstrap, topic + ".dlq", {2: 2})
    group = consumer_group(settings)

    before = readings_of(list(await sample_consumer(share)))
    assert before == {
        (CONSUMER_LAG.name, (group, topic)): 8,  # never committed: everything from the start
        (DEAD_LETTER_MESSAGES.name, (topic,)): 2,
    }
    # The dead-letter counter's series exists from 0, so that the first dead letter is an increase.
    assert REGISTRY.get_sample_value("hub_events_dead_lettered_total", {"service": "share", "topic": topic}) == 0

    consumer = AIOKafkaConsumer(bootstrap_servers=infra.kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([tp(topic, 0), tp(topic, 1)])
        await consumer.commit({tp(topic, 0): 2, tp(topic, 1): 3})
    finally:
        await consumer.stop()
    kept = share.state.kafka_offsets
    after = readings_of(list(await sample_consumer(share)))
    assert after[CONSUMER_LAG.name, (group, topic)] == 5 - 2
    # The second round asked with the clients of the first: starting them costs a metadata read of every topic.
    assert share.state.kafka_offsets is kept
    await close_shared_offsets(share)
    assert share.state.kafka_offsets is None


@pytest.mark.integration
async def test_a_service_without_consumers_has_no_lag(infra: Infra, keys: Keys, topic_prefix: str) -> None:
    app = FastAPI()
    app.state.settings = settings_for("catalog", infra, keys, NO_DATABASE, topic_prefix)
    app.state.event_handlers = None
    assert list(await sample_consumer(app)) == []


@pytest.fixture
async def open_replica(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[FastAPI]:
    """open-svc's state on a fresh database, its follower not running."""
    app = FastAPI()
    app.state.settings = settings_for("open", infra, keys, await database_factory("open"), topic_prefix)
    app.state.engine = create_engine(app.state.settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    try:
        yield app
    finally:
        await close_shared_offsets(app)
        await app.state.engine.dispose()


@pytest.mark.integration
async def test_the_open_replica_lags_by_the_changelog_it_has_not_applied_A24_1(
    open_replica: FastAPI, infra: Infra
) -> None:
    settings = open_replica.state.settings
    topic = settings.topic(OPEN_RECORDS)
    await ensure_topics(settings, [OPEN_RECORDS], config=TOPIC_CONFIG)
    await produce(infra.kafka_bootstrap, topic, {0: 4, 1: 6, 2: 1})
    async with open_replica.state.sessionmaker() as session, session.begin():
        # Partition 0 applied up to its third message; partition 1 reset by a rebuild; partition 2 never read.
        await session.execute(
            insert(ReplicaPosition), [{"partition": 0, "next_offset": 3}, {"partition": 1, "next_offset": FROM_START}]
        )
    readings = readings_of(await sample_replica_lag(open_replica))
    assert readings == {(CONSUMER_LAG.name, (replica_group(settings), topic)): (4 - 3) + 6 + 1}
