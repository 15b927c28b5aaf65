"""The transactional outbox on real PostgreSQL and Kafka: what commits is published once, in order, by one relay."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from factories import credit_code
from harness import Infra, Keys, eventually, records_of, settings_for
from hub.contracts.catalog import AgencyRegistered
from hub.db import create_engine
from hub.events import EventEnvelope
from hub.kafka import ensure_topics
from hub.outbox import OutboxRelay, pending_count, record_event
from hub.settings import HubSettings

pytestmark = pytest.mark.integration

SOURCE = "/hub/catalog"


@dataclass
class Catalog:
    """catalog-svc's fresh database and settings, and the relays a test starts on it."""

    settings: HubSettings
    engine: AsyncEngine
    infra: Infra
    relays: list[OutboxRelay] = field(default_factory=list)

    @property
    def topic(self) -> str:
        return self.settings.topic("catalog.events")

    def start_relay(self) -> OutboxRelay:
        relay = OutboxRelay(self.settings, self.engine, TracerProvider())
        self.relays.append(relay)
        relay.start()
        return relay

    def session(self) -> AsyncSession:
        return AsyncSession(self.engine, expire_on_commit=False)

    async def record_committed(self, *events: AgencyRegistered) -> list[uuid.UUID]:
        """Record the events in one committed transaction; their event ids."""
        async with self.session() as session, session.begin():
            return [await record_event(session, event, source=SOURCE) for event in events]

    async def pending(self) -> int:
        async with self.session() as session:
            return await pending_count(session)

    async def published(self) -> list[ConsumerRecord[bytes, bytes]]:
        """Every record on the topic so far, in partition and offset order."""
        return await records_of(self.infra.kafka_bootstrap, self.topic)


@pytest.fixture
async def catalog(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[Catalog]:
    settings = settings_for("catalog", infra, keys, await database_factory("catalog"), topic_prefix)
    # The relay creates its topics on first publish; created here, a test can also read a topic still empty.
    await ensure_topics(settings, ["catalog.events"])
    engine = create_engine(settings)
    catalog = Catalog(settings, engine, infra)
    try:
        yield catalog
    finally:
        for relay in catalog.relays:
            await relay.stop()
        await engine.dispose()


def agency_registered(agency_id: uuid.UUID | None = None, name: str = "无锡市公安局") -> AgencyRegistered:
    return AgencyRegistered(
        agency_id=agency_id or uuid.uuid4(),
        credit_code=credit_code(),
        name=name,
        kind="administrative_organ",
        region_code="320200",
    )


def event_ids(records: list[ConsumerRecord[bytes, bytes]]) -> list[uuid.UUID]:
    return [uuid.UUID(dict(r.headers)["ce_id"].decode()) for r in records]


async def test_a_committed_event_is_published_keyed_by_its_aggregate_as_a_cloudevent_and_leaves_the_outbox(
    catalog: Catalog,
) -> None:
    catalog.start_relay()
    event = agency_registered()
    [event_id] = await catalog.record_committed(event)

    [record] = await eventually(catalog.published)

    assert record.key == str(event.agency_id).encode()
    headers = dict(record.headers)
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_id"] == str(event_id).encode()
    assert headers["ce_type"] == b"catalog.agency.registered"
    assert headers["ce_source"] == SOURCE.encode()
    assert headers["ce_subject"] == str(event.agency_id).encode()
    envelope = EventEnvelope.from_kafka(list(record.headers), record.value)
    assert AgencyRegistered.model_validate(envelope.data) == event
    # The row's deletion commits just after the broker acknowledged it.
    await eventually(lambda: _outbox_empty(catalog))


async def test_a_lingering_relay_publishes_what_commits_during_its_linger_with_the_event_that_woke_it(
    catalog: Catalog,
) -> None:
    catalog.settings = catalog.settings.model_copy(update={"outbox_linger_seconds": 1.5})
    catalog.start_relay()
    await asyncio.sleep(0.2)  # the relay's first drain, of an empty outbox, is over
    first_committed = time.time()
    committed = [*await catalog.record_committed(agency_registered())]
    for _ in range(2):
        await asyncio.sleep(0.4)
        committed += await catalog.record_committed(agency_registered())

    published = await eventually(lambda: _all_of(catalog, 3))

    assert sorted(event_ids(published)) == sorted(committed)
    sent_at = [record.timestamp / 1000 for record in published]
    # Committed 0.8 s apart, sent together once the first commit's wake-up had lingered.
    assert max(sent_at) - min(sent_at) < 0.4
    assert min(sent_at) >= first_committed + 1.0


async def _all_of(catalog: Catalog, count: int) -> list[ConsumerRecord[bytes, bytes]] | None:
    published = await catalog.published()
    return published if len(published) >= count else None


async def test_an_event_of_a_rolled_back_transaction_is_never_published(catalog: Catalog) -> None:
    catalog.start_relay()
    async with catalog.session() as session:
        await record_event(session, agency_registered(), source=SOURCE)
        await session.flush()
        await session.rollback()
    # An event committed afterwards gets a later id: once it is out, the rolled-back one would have been too.
    [committed] = await catalog.record_committed(agency_registered())

    published = await eventually(catalog.published)

    assert event_ids(published) == [committed]
    # The row's deletion commits just after the broker acknowledged it.
    await eventually(lambda: _outbox_empty(catalog))


async def test_a_row_whose_transaction_commits_after_a_later_row_is_still_published(catalog: Catalog) -> None:
    catalog.start_relay()
    async with catalog.session() as first, first.begin():
        first_id = await record_event(first, agency_registered(), source=SOURCE)
        first_row = await _outbox_row_id(first, first_id)
        async with catalog.session() as second, second.begin():
            second_id = await record_event(second, agency_registered(), source=SOURCE)
            second_row = await _outbox_row_id(second, second_id)
        assert first_row < second_row
        # The relay has published the later row while the earlier one is still uncommitted.
        await eventually(lambda: _published_ids(catalog, second_id))
    # `first` commits here, after `second`.

    published = await eventually(lambda: _published_ids(catalog, first_id, second_id))

    assert sorted(published) == sorted([first_id, second_id])
    # The row's deletion commits just after the broker acknowledged it.
    await eventually(lambda: _outbox_empty(catalog))


async def _outbox_row_id(session: AsyncSession, event_id: uuid.UUID) -> int:
    await session.flush()
    query = text("SELECT id FROM outbox WHERE event_id = :event_id")
    return int((await session.execute(query, {"event_id": event_id})).scalar_one())


async def _published_ids(catalog: Catalog, *wanted: uuid.UUID) -> list[uuid.UUID] | None:
    ids = event_ids(await catalog.published())
    return ids if set(wanted) <= set(ids) else None


async def test_events_recorded_while_no_relay_runs_are_published_once_one_starts(catalog: Catalog) -> None:
    recorded = await catalog.record_committed(*(agency_registered() for _ in range(3)))
    recorded += await catalog.record_committed(agency_registered())
    assert await catalog.published() == []
    assert await catalog.pending() == 4

    catalog.start_relay()

    await eventually(lambda: _outbox_empty(catalog))
    # Different aggregates land on different partitions, which have no order between them.
    assert sorted(event_ids(await catalog.published())) == sorted(recorded)


async def _outbox_empty(catalog: Catalog) -> bool:
    return await catalog.pending() == 0


async def test_two_relays_on_one_database_elect_one_leader_that_publishes_each_event_once_in_aggregate_order(
    catalog: Catalog,
) -> None:
    relays = [catalog.start_relay(), catalog.start_relay()]
    await eventually(lambda: any(r.is_leader for r in relays))
    aggregates = [uuid.uuid4() for _ in range(5)]
    rounds = 40
    recorded: list[uuid.UUID] = []
    # One transaction per round, each with an event of every aggregate: 200 events while both relays run.
    for n in range(rounds):
        recorded += await catalog.record_committed(
            *(agency_registered(a, name=f"agency-{i} #{n}") for i, a in enumerate(aggregates))
        )

    await eventually(lambda: _outbox_empty(catalog))
    published = await catalog.published()

    assert len(published) == len(recorded) == 200
    assert sorted(event_ids(published)) == sorted(recorded)
    sequence_by_aggregate = {
        key: [_sequence(r) for r in records]
        for key, records in itertools.groupby(sorted(published, key=lambda r: r.key or b""), lambda r: r.key)
    }
    # groupby over a stable sort keeps each aggregate's records in partition-offset order.
    assert set(sequence_by_aggregate) == {str(a).encode() for a in aggregates}
    for sequence in sequence_by_aggregate.values():
        assert sequence == list(range(rounds))
    assert [r.is_leader for r in relays].count(True) == 1


def _sequence(record: ConsumerRecord[bytes, bytes]) -> int:
    envelope = EventEnvelope.from_kafka(list(record.headers), record.value)
    return int(str(envelope.data["name"]).rsplit("#", 1)[1])


async def test_a_relay_taking_over_deletes_what_its_killed_predecessor_published_and_publishes_only_the_rest_A29_1(
    catalog: Catalog,
) -> None:
    # Issue 15: a relay killed after the broker acknowledged its sends but before its delete committed leaves rows
    # that are already on the topic. The one taking over must not publish them a second time.
    recorded = await catalog.record_committed(*(agency_registered() for _ in range(5)))
    left_behind = recorded[:3]
    await _publish_as_a_killed_relay_did(catalog, left_behind)
    assert await catalog.pending() == 5

    catalog.start_relay()

    await eventually(lambda: _outbox_empty(catalog))
    published = event_ids(await catalog.published())
    assert sorted(published) == sorted(recorded)
    assert len(published) == len(set(published)) == 5


async def _publish_as_a_killed_relay_did(catalog: Catalog, event_ids_sent: list[uuid.UUID]) -> None:
    """Send these outbox rows' events to the topic as the relay sends them, leaving the rows in the outbox."""
    async with catalog.session() as session:
        rows = (
            (await session.execute(text("SELECT * FROM outbox WHERE event_id = ANY(:ids)"), {"ids": event_ids_sent}))
            .mappings()
            .all()
        )
    producer = AIOKafkaProducer(bootstrap_servers=catalog.infra.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for row in rows:
            key, headers, value = EventEnvelope(
                id=str(row["event_id"]), type=row["type"], source=row["source"], subject=row["subject"],
                time=row["occurred_at"], data=row["payload"],
            ).to_kafka()  # fmt: skip
            await producer.send_and_wait(catalog.topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()
