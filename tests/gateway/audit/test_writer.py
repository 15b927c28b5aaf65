"""The audit writer on a real gateway database: an append returns once its record is committed, concurrent appends
share commits (group commit), what it appends verifies after PostgreSQL has stored it, and several writers
(gateway replicas) share one chain (A36.1)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from factories import audit_fields
from gateway.audit.models import AuditRecord
from gateway.audit.service import verify
from gateway.audit.writer import AuditLog, AuditUnavailable
from hub.db import async_url
from hub.errors import ServiceUnavailable

pytestmark = pytest.mark.integration

WHOLE_SECOND = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


@pytest.fixture
async def sessionmaker(
    database_factory: Callable[[str], Awaitable[str]],
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(async_url(await database_factory("gateway")))
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


@pytest.fixture
async def audit_log(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[AuditLog]:
    log = AuditLog(sessionmaker.kw["bind"])
    log.start()
    try:
        yield log
    finally:
        await log.stop()


async def test_records_with_whole_second_timestamps_verify_after_postgresql_stored_them_A36_1(
    audit_log: AuditLog, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for n in range(1, 4):
        await audit_log.append(audit_fields(n, WHOLE_SECOND))

    async with sessionmaker() as session:
        stored = (await session.execute(select(AuditRecord).order_by(AuditRecord.seq))).scalars().all()
        breaks = await verify(session)

    assert [r.seq for r in stored] == [1, 2, 3]
    assert stored[0].request_in == WHOLE_SECOND
    assert breaks == []


async def test_a_head_asked_while_another_appender_holds_the_chain_is_the_one_it_commits_A36_1(
    audit_log: AuditLog, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await audit_log.append(audit_fields(1))
    engine = sessionmaker.kw["bind"]
    async with engine.connect() as holder, engine.connect() as waiter:
        # Another replica holds the chain and appends record 2 (a copy of record 1 under the next seq).
        holding = await holder.begin()
        assert (await holder.execute(text("SELECT seq FROM audit_chain_head()"))).scalar_one() == 1
        await holder.execute(text("CREATE TEMP TABLE appended ON COMMIT DROP AS SELECT * FROM audit_records"))
        await holder.execute(text("UPDATE appended SET seq = 2, prev_hash = hash, hash = repeat('2', 64)"))
        await holder.execute(text("INSERT INTO audit_records SELECT * FROM appended"))
        async with waiter.begin():
            asked = asyncio.create_task(waiter.execute(text("SELECT seq, hash FROM audit_chain_head()")))
            await asyncio.sleep(0.3)
            assert not asked.done()  # it waits for the chain's lock
            await holding.commit()
            # Its head was read after the lock was granted: the record committed meanwhile, not the one before it.
            assert tuple((await asyncio.wait_for(asked, 10)).one()) == (2, "2" * 64)


async def test_two_gateway_replicas_append_to_one_chain_without_gaps_or_forks_A36_1(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    engine = sessionmaker.kw["bind"]
    replicas = [AuditLog(engine, batch_size=3), AuditLog(engine, batch_size=3)]
    for replica in replicas:
        replica.start()
    try:
        appends = [
            replica.append(audit_fields(n, WHOLE_SECOND + timedelta(microseconds=n)))
            for n in range(1, 41)
            for replica in replicas
        ]
        await asyncio.gather(*appends)
    finally:
        for replica in replicas:
            await replica.stop()

    async with sessionmaker() as session:
        seqs = (await session.execute(select(AuditRecord.seq).order_by(AuditRecord.seq))).scalars().all()
        prev_hashes = (await session.execute(select(func.count(func.distinct(AuditRecord.prev_hash))))).scalar()
        breaks = await verify(session)

    assert list(seqs) == list(range(1, 81))
    assert prev_hashes == 80  # no two records follow the same one
    assert breaks == []


async def test_an_append_returns_only_once_its_record_is_committed_A36_1(
    audit_log: AuditLog, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    await audit_log.append(audit_fields(1))

    # Another connection sees it at once: the guard answers a request only after this returned.
    async with sessionmaker() as session:
        stored = (await session.execute(select(AuditRecord.caller))).scalars().all()
    assert list(stored) == ["client-1"]


async def test_concurrent_appends_wait_for_shared_batches_not_one_commit_each_A36_1(
    audit_log: AuditLog, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    appends = 200

    await asyncio.gather(*(audit_log.append(audit_fields(n)) for n in range(1, appends + 1)))

    async with sessionmaker() as session:
        records = (await session.execute(select(func.count()).select_from(AuditRecord))).scalar()
        # The records of one batch share its transaction's id (xmin).
        batches = (await session.execute(text("SELECT count(DISTINCT xmin::text) FROM audit_records"))).scalar_one()
        breaks = await verify(session)
    assert records == appends
    assert 1 <= batches <= appends // 10
    assert breaks == []


async def test_an_append_the_database_does_not_take_in_time_is_a_503_with_retry_after_A36_1() -> None:
    with socket.socket() as probe:  # a port nobody listens on: the database is down
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = create_async_engine(f"postgresql+asyncpg://hub@127.0.0.1:{port}/gateway")
    log = AuditLog(engine, commit_timeout=0.5)
    log.start()
    try:
        with pytest.raises(AuditUnavailable) as refused:
            await log.append(audit_fields(1))
    finally:
        await asyncio.wait_for(log.stop(), 5)  # gives up on the unwritable record instead of hanging shutdown
        await engine.dispose()

    assert isinstance(refused.value, ServiceUnavailable)
    assert refused.value.status == 503
    assert refused.value.requirement == "A36.1"
    assert refused.value.headers["Retry-After"].isdigit()
