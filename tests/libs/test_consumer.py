"""The idempotent consumer on real PostgreSQL and Kafka: one effect per event, and bad messages to the DLQ."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from factories import credit_code
from harness import Infra, Keys, eventually, records_of, settings_for
from hub.consumer import OFFSET_COMMIT_SECONDS, EventConsumer, EventHandlers, commit_assigned
from hub.contracts.catalog import AgencyRegistered
from hub.db import create_engine, create_sessionmaker
from hub.events import EventEnvelope
from hub.kafka import consumer_group, ensure_topics
from hub.settings import HubSettings
from share_svc.directory.service import directory

pytestmark = pytest.mark.integration

# A handler failure that never stops.
ALWAYS = 1_000_000


class DirectoryUnavailable(Exception):
    """The failure a test's handler raises."""


@dataclass
class Directory:
    """share-svc's agency handler, counting its calls and failing for the agencies a test names; taking `delay`
    seconds over each event, for a test that needs the consumer busy."""

    failures: dict[uuid.UUID, int] = field(default_factory=dict)
    calls: list[uuid.UUID] = field(default_factory=list)
    delay: float = 0.0

    def handlers(self) -> EventHandlers:
        handlers = EventHandlers()

        @handlers.on(AgencyRegistered)
        async def on_agency_registered(session: AsyncSession, event: AgencyRegistered) -> None:
            self.calls.append(event.agency_id)
            if self.delay:
                await asyncio.sleep(self.delay)
            await directory.apply_registered(session, event)
            # The row is written before the failure, so only a rollback can take it away again.
            await session.flush()
            if self.failures.get(event.agency_id, 0) > 0:
                self.failures[event.agency_id] -= 1
                raise DirectoryUnavailable(f"directory unavailable for agency {event.agency_id}")

        return handlers


@dataclass
class Share:
    """share-svc's fresh database and settings, a producer onto catalog.events, and the consumers a test starts."""

    settings: HubSettings
    engine: AsyncEngine
    infra: Infra
    producer: AIOKafkaProducer
    admin: AIOKafkaAdminClient
    consumers: list[EventConsumer] = field(default_factory=list)

    @property
    def topic(self) -> str:
        return self.settings.topic("catalog.events")

    def start_consumer(self, directory: Directory, **settings: Any) -> EventConsumer:
        consumer = EventConsumer(
            self.settings.model_copy(update=settings),
            create_sessionmaker(self.engine),
            directory.handlers(),
            TracerProvider(),
        )
        self.consumers.append(consumer)
        consumer.start()
        return consumer

    async def send(self, event: AgencyRegistered | EventEnvelope) -> RecordMetadata:
        """Publish an event as catalog-svc's relay would, on partition 0 so the test knows the order."""
        envelope = event if isinstance(event, EventEnvelope) else envelope_of(event)
        key, headers, value = envelope.to_kafka()
        return await self.send_raw(value, key=key, headers=headers)

    async def send_raw(
        self, value: bytes, *, key: bytes | None = None, headers: Sequence[tuple[str, bytes | None]] = ()
    ) -> RecordMetadata:
        return await self.producer.send_and_wait(self.topic, value, key=key, headers=list(headers), partition=0)

    async def consumed_past(self, last: RecordMetadata, within: float = 20.0) -> None:
        """Wait until the consumer group has committed an offset beyond a record (its effect has committed)."""
        await eventually(lambda: self._committed_past(last), within=within, every=0.1)

    async def _committed_past(self, last: RecordMetadata) -> bool:
        committed = await self.committed(TopicPartition(last.topic, last.partition))
        return committed is not None and committed > last.offset

    async def committed(self, partition: TopicPartition) -> int | None:
        """The offset the consumer group has committed on a partition, if any."""
        offsets = await self.admin.list_consumer_group_offsets(consumer_group(self.settings))
        committed = offsets.get(partition)
        return committed.offset if committed is not None else None

    async def dead_letters(self) -> list[ConsumerRecord[bytes, bytes]]:
        return await records_of(self.infra.kafka_bootstrap, f"{self.topic}.dlq")

    async def rows(self, query: str) -> list[Any]:
        async with self.engine.connect() as conn:
            return list((await conn.execute(text(query))).all())


@pytest.fixture
async def share(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[Share]:
    settings = settings_for("share", infra, keys, await database_factory("share"), topic_prefix)
    await ensure_topics(settings, ["catalog.events", "catalog.events.dlq"])
    engine = create_engine(settings)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    await admin.start()
    share = Share(settings, engine, infra, producer, admin)
    try:
        yield share
    finally:
        for consumer in share.consumers:
            await consumer.stop()
        await admin.close()
        await producer.stop()
        await engine.dispose()


def agency_registered() -> AgencyRegistered:
    return AgencyRegistered(
        agency_id=uuid.uuid4(),
        credit_code=credit_code(),
        name="无锡市公安局",
        kind="administrative_organ",
        region_code="320200",
    )


def envelope_of(event: AgencyRegistered) -> EventEnvelope:
    return EventEnvelope(
        id=str(uuid.uuid4()),
        type=event.type,
        source="/hub/catalog",
        subject=event.aggregate_id(),
        time=datetime.now(UTC),
        data=event.model_dump(mode="json"),
    )


async def test_an_event_delivered_twice_has_one_effect_and_both_offsets_are_committed(share: Share) -> None:
    directory = Directory()
    event = agency_registered()
    envelope = envelope_of(event)
    await share.send(envelope)
    duplicate = await share.send(envelope)

    share.start_consumer(directory)
    await share.consumed_past(duplicate)

    assert directory.calls == [event.agency_id]
    assert [r.id for r in await share.rows("SELECT id FROM known_agencies")] == [event.agency_id]
    assert [r.event_id for r in await share.rows("SELECT event_id FROM inbox")] == [envelope.id]
    assert await share.dead_letters() == []


async def test_a_message_that_is_not_a_cloudevent_is_dead_lettered_and_the_next_event_applied(share: Share) -> None:
    directory = Directory()
    poison = await share.send_raw(b"not a cloud event", key=b"k", headers=[("origin", b"a test")])
    good = agency_registered()
    last = await share.send(good)

    share.start_consumer(directory)
    await share.consumed_past(last)

    [dead] = await share.dead_letters()
    assert dead.value == b"not a cloud event"
    assert dead.key == b"k"
    headers = dict(dead.headers)
    assert b"not a CloudEvent" in headers["dlq_error"]
    assert headers["dlq_consumer"] == b"share"
    assert headers["dlq_original_topic"] == share.topic.encode()
    assert headers["dlq_original_partition"] == str(poison.partition).encode()
    assert headers["dlq_original_offset"] == str(poison.offset).encode()
    assert headers["origin"] == b"a test"
    assert directory.calls == [good.agency_id]
    assert [r.id for r in await share.rows("SELECT id FROM known_agencies")] == [good.agency_id]


async def test_an_event_whose_data_fails_its_schema_is_dead_lettered_without_calling_the_handler(
    share: Share,
) -> None:
    directory = Directory()
    valid = envelope_of(agency_registered())
    invalid = dataclasses.replace(valid, data={**valid.data, "agency_id": "not-a-uuid"})
    poison = await share.send(invalid)
    good = agency_registered()
    good_envelope = envelope_of(good)
    last = await share.send(good_envelope)

    # Retrying it would outlast the wait below: the event is consumed in time only if it goes to the DLQ at once.
    share.start_consumer(directory, consumer_max_attempts=1000, consumer_retry_backoff_seconds=1.0)
    await share.consumed_past(last)

    [dead] = await share.dead_letters()
    headers = dict(dead.headers)
    assert headers["ce_id"] == invalid.id.encode()
    assert b"does not match its schema" in headers["dlq_error"]
    assert headers["dlq_original_offset"] == str(poison.offset).encode()
    assert directory.calls == [good.agency_id]
    assert [r.event_id for r in await share.rows("SELECT event_id FROM inbox")] == [good_envelope.id]


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered_and_rolled_back(share: Share) -> None:
    failing = agency_registered()
    directory = Directory(failures={failing.agency_id: ALWAYS})
    failing_envelope = envelope_of(failing)
    failed = await share.send(failing_envelope)
    good = agency_registered()
    good_envelope = envelope_of(good)
    last = await share.send(good_envelope)

    share.start_consumer(directory)
    await share.consumed_past(last)

    attempts = share.settings.consumer_max_attempts
    assert attempts > 1
    assert directory.calls == [failing.agency_id] * attempts + [good.agency_id]
    [dead] = await share.dead_letters()
    headers = dict(dead.headers)
    assert headers["ce_id"] == failing_envelope.id.encode()
    assert headers["dlq_original_offset"] == str(failed.offset).encode()
    error = f"DirectoryUnavailable: directory unavailable for agency {failing.agency_id}"
    assert error.encode() in headers["dlq_error"]
    # Neither the inbox entry nor the handler's own write of the failed event survived.
    assert [r.event_id for r in await share.rows("SELECT event_id FROM inbox")] == [good_envelope.id]
    assert [r.id for r in await share.rows("SELECT id FROM known_agencies")] == [good.agency_id]


async def test_a_handler_that_fails_once_is_retried_and_applied_exactly_once(share: Share) -> None:
    event = agency_registered()
    directory = Directory(failures={event.agency_id: 1})
    envelope = envelope_of(event)
    last = await share.send(envelope)

    share.start_consumer(directory)
    await share.consumed_past(last)

    assert directory.calls == [event.agency_id, event.agency_id]
    assert [r.event_id for r in await share.rows("SELECT event_id FROM inbox")] == [envelope.id]
    assert [r.id for r in await share.rows("SELECT id FROM known_agencies")] == [event.agency_id]
    assert await share.dead_letters() == []


async def test_a_header_without_a_value_neither_blocks_the_partition_nor_spoils_a_valid_event(share: Share) -> None:
    directory = Directory()
    # Kafka headers may carry a null value; aiokafka hands it over as None.
    await share.send_raw(b"not a cloud event", headers=[("x-empty", None)])
    good = agency_registered()
    key, headers, value = envelope_of(good).to_kafka()
    last = await share.send_raw(value, key=key, headers=[*headers, ("x-empty", None)])

    share.start_consumer(directory)
    await share.consumed_past(last, within=5)

    [dead] = await share.dead_letters()
    assert dead.value == b"not a cloud event"
    assert directory.calls == [good.agency_id]


async def test_an_event_failing_among_others_fetched_with_it_is_retried_alone_and_each_applied_exactly_once(
    share: Share,
) -> None:
    first, failing, last_event = agency_registered(), agency_registered(), agency_registered()
    directory = Directory(failures={failing.agency_id: 1})
    envelopes = [envelope_of(e) for e in (first, failing, last_event)]
    for envelope in envelopes:
        last = await share.send(envelope)

    share.start_consumer(directory)
    await share.consumed_past(last)

    # The failing one's first attempt (among the others) and its retry alone; the others' effects are not doubled.
    assert directory.calls.count(failing.agency_id) == 2
    assert sorted(r.event_id for r in await share.rows("SELECT event_id FROM inbox")) == sorted(e.id for e in envelopes)
    assert sorted(r.id for r in await share.rows("SELECT id FROM known_agencies")) == sorted(
        e.agency_id for e in (first, failing, last_event)
    )
    assert await share.dead_letters() == []


async def test_a_backlog_has_its_offsets_committed_as_it_is_worked_off_not_only_at_its_end(share: Share) -> None:
    # Fetches keep coming back full while the backlog lasts; each commit is due OFFSET_COMMIT_SECONDS after the
    # first effect it covers, so a backlog taking several times that is committed part by part (a consumer dying
    # half-way gets only the uncommitted part again).
    events, delay = 300, 0.005
    assert events * delay > 2 * OFFSET_COMMIT_SECONDS  # the backlog outlasts the commit interval
    directory = Directory(delay=delay)
    sent = [await share.send(agency_registered()) for _ in range(events)]
    first, last = sent[0], sent[-1]
    partition = TopicPartition(last.topic, last.partition)
    seen: set[int] = set()

    async def worked_off() -> bool:
        committed = await share.committed(partition)
        if committed is not None:
            seen.add(committed)
        return committed is not None and committed > last.offset

    share.start_consumer(directory)
    await eventually(worked_off, within=60, every=0.05)

    assert len(directory.calls) == len(sent)
    assert [offset for offset in seen if first.offset < offset <= last.offset], f"only at the end: {sorted(seen)}"


async def test_a_commit_leaves_out_a_partition_the_consumer_no_longer_holds(share: Share) -> None:
    # A rebalance may take a partition away between its events' effects and their offsets' commit.
    held, taken = TopicPartition(share.topic, 0), TopicPartition(share.topic, 1)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=share.infra.kafka_bootstrap, group_id=consumer_group(share.settings), enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([held])
        await commit_assigned(consumer, {held: 1, taken: 1})
    finally:
        await consumer.stop()

    assert await share.committed(held) == 1
    assert await share.committed(taken) is None
