"""Publishing the audit chain from the chain (A36.1): every committed record goes out once, in chain order, whoever
publishes it and however late; commits close together share one event; no event is too large for Kafka."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from factories import audit_fields
from gateway.audit.models import AuditPublished
from gateway.audit.publisher import AuditPublisher, events_of
from gateway.audit.writer import AuditLog
from harness import eventually, migrations_of
from hub.db import async_url
from hub.migrations import upgrade_to_head
from hub.outbox import OutboxMessage

# Kafka's default largest message, the broker's (message.max.bytes, 1048588) and aiokafka's producer's
# (max_request_size, 1048576): an event above it is refused for good.
KAFKA_MESSAGE_BYTES = 1_048_576


@pytest.fixture
async def database(database_factory: Callable[[str], Awaitable[str]]) -> str:
    return await database_factory("gateway")


@pytest.fixture
async def sessionmaker(database: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(async_url(database))
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def published_events(sessionmaker: async_sessionmaker[AsyncSession]) -> list[list[int]]:
    """The seqs of each audit event recorded in the outbox, in the order the relay would publish them."""
    async with sessionmaker() as session:
        payloads = (
            await session.execute(
                select(OutboxMessage.payload)
                .where(OutboxMessage.type == "gateway.exchanges.audited")
                .order_by(OutboxMessage.id)
            )
        ).scalars()
        return [[record["seq"] for record in payload["records"]] for payload in payloads]


async def append(sessionmaker: async_sessionmaker[AsyncSession], numbers: range, **writer: Any) -> None:
    """Append these records, each committed on its own (one after the other), with a writer of its own."""
    log = AuditLog(sessionmaker.kw["bind"], **writer)
    log.start()
    try:
        for n in numbers:
            await log.append(audit_fields(n))
    finally:
        await log.stop()


async def test_records_a_killed_gateway_left_unpublished_go_out_once_in_chain_order_whoever_publishes_A36_1(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    # Committed with no publisher running: what a gateway killed between its commits and its publishing leaves.
    await append(sessionmaker, range(1, 31))
    assert await published_events(sessionmaker) == []

    published_before = REGISTRY.get_sample_value("hub_audit_records_published_total") or 0.0

    # Two replicas start and publish at once.
    replicas = [AuditPublisher(sessionmaker, interval=0.1) for _ in range(2)]
    await asyncio.gather(*(replica.publish() for replica in replicas))

    events = await published_events(sessionmaker)
    assert [seq for event in events for seq in event] == list(range(1, 31))
    async with sessionmaker() as session:
        assert (await session.execute(select(AuditPublished.seq))).scalar_one() == 30
    # What the HubAuditUnpublished alert watches.
    assert (REGISTRY.get_sample_value("hub_audit_records_published_total") or 0.0) - published_before == 30


async def test_commits_within_the_interval_share_one_event_and_a_started_publisher_catches_up_A36_1(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    await append(sessionmaker, range(1, 3))  # left by an earlier process
    publisher = AuditPublisher(sessionmaker, interval=3.0)
    publisher.start()
    try:

        async def caught_up() -> bool:
            return await published_events(sessionmaker) == [[1, 2]]

        await eventually(caught_up, within=10)
        # Five commits, one after the other, while the publisher waits out its interval.
        await append(sessionmaker, range(3, 8), on_commit=publisher.wake)

        async def published() -> list[list[int]] | None:
            events = await published_events(sessionmaker)
            return events if len(events) > 1 else None

        assert await eventually(published, within=15) == [[1, 2], [3, 4, 5, 6, 7]]
    finally:
        await publisher.stop()


async def test_a_stopping_publisher_publishes_what_was_committed_last_A36_1(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    publisher = AuditPublisher(sessionmaker, interval=60.0)
    publisher.start()
    await append(sessionmaker, range(1, 2), on_commit=publisher.wake)
    await append(sessionmaker, range(2, 4), on_commit=publisher.wake)  # within the interval: not published yet
    await publisher.stop()

    assert [seq for event in await published_events(sessionmaker) for seq in event] == [1, 2, 3]


def longest_record(seq: int) -> dict[str, Any]:
    """A record whose texts fill their columns with what JSON writes longest: control characters (six bytes each)
    and Chinese (three)."""
    return {
        **audit_fields(seq), "seq": seq, "hash": "f" * 64, "caller": "\x01" * 100, "event": "\x01" * 40,
        "route": "\x01" * 300, "entry": "\x01" * 100, "items": "\x01" * 2000, "purpose": "统" * 500,
        "grant_id": "\x01" * 100, "agency_id": "\x01" * 40, "trace_id": "\x01" * 32,
    }  # fmt: skip


def test_a_backlog_of_the_longest_records_goes_out_in_events_kafka_takes_A36_1() -> None:
    rows = [longest_record(seq) for seq in range(1, 301)]

    events = list(events_of(rows))

    sizes = [len(event.model_dump_json().encode()) for event in events]
    assert sum(sizes) > 2 * KAFKA_MESSAGE_BYTES  # one event for all would be refused
    assert max(sizes) < KAFKA_MESSAGE_BYTES
    assert [record.seq for event in events for record in event.records] == list(range(1, 301))
    assert all([event.first_seq, event.last_seq] == [event.records[0].seq, event.records[-1].seq] for event in events)


def test_a_record_larger_than_the_budget_still_goes_out_alone() -> None:
    rows = [longest_record(seq) for seq in range(1, 4)]

    events = list(events_of(rows, budget_bytes=1))

    assert [[record.seq for record in event.records] for event in events] == [[1], [2], [3]]


async def test_the_mark_starts_at_the_chain_head_of_a_database_migrated_from_before_it(
    database: str, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    # Records the writer committed before the publisher existed were published by their batches' outbox rows.
    await append(sessionmaker, range(1, 4))
    async with sessionmaker() as session, session.begin():
        await session.execute(text("DROP TABLE audit_published"))
        await session.execute(text("DROP FUNCTION audit_chain_head()"))  # 0006 came after 0004 too
        await session.execute(text("UPDATE alembic_version SET version_num = '0004'"))
    await upgrade_to_head(migrations_of("gateway"), database)

    async with sessionmaker() as session:
        assert (await session.execute(select(AuditPublished.seq))).scalar_one() == 3
