"""The audit writer on a real gateway database: what it appends verifies after PostgreSQL has stored it, and
several writers (gateway replicas) share one chain (A36.1)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from gateway.audit.models import AuditRecord
from gateway.audit.service import verify
from gateway.audit.writer import AuditLog
from hub.db import async_url

pytestmark = pytest.mark.integration

WHOLE_SECOND = datetime(2026, 3, 2, 9, 30, 15, tzinfo=UTC)


def audit_fields(n: int, at: datetime = WHOLE_SECOND) -> dict[str, Any]:
    """What the guard appends for one request (every field but seq, prev_hash and hash)."""
    return {
        "kind": "exchange", "event": "exchange", "caller": f"client-{n}", "caller_kind": "agency_system",
        "roles": "agency_system", "agency_id": None, "region_code": "320200", "client_ip": "127.0.0.1",
        "method": "GET", "route": "/agencies/{agency_id}", "path": f"/api/catalog/agencies/{n}", "service": "catalog",
        "entry": None, "items": None, "row_count": None, "purpose": "统计分析", "grant_id": None, "status": 200,
        "request_bytes": 0, "response_bytes": n, "request_in": at, "request_out": at, "response_in": at,
        "response_out": at + timedelta(seconds=1), "trace_id": None, "detail": None,
    }  # fmt: skip


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
    log = AuditLog(sessionmaker)
    log.start()
    try:
        yield log
    finally:
        await log.stop()


async def test_records_with_whole_second_timestamps_verify_after_postgresql_stored_them_A36_1(
    audit_log: AuditLog, sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    for n in range(1, 4):
        await audit_log.append(audit_fields(n))
    await audit_log.flush()

    async with sessionmaker() as session:
        stored = (await session.execute(select(AuditRecord).order_by(AuditRecord.seq))).scalars().all()
        breaks = await verify(session)

    assert [r.seq for r in stored] == [1, 2, 3]
    assert stored[0].request_in == WHOLE_SECOND
    assert breaks == []


async def test_two_gateway_replicas_append_to_one_chain_without_gaps_or_forks_A36_1(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    replicas = [AuditLog(sessionmaker, batch_size=3), AuditLog(sessionmaker, batch_size=3)]
    for replica in replicas:
        replica.start()
    try:
        appends = [
            replica.append(audit_fields(n, WHOLE_SECOND + timedelta(microseconds=n)))
            for n in range(1, 41)
            for replica in replicas
        ]
        await asyncio.gather(*appends)
        await asyncio.gather(*(replica.flush() for replica in replicas))
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
