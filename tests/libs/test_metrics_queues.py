"""What waits, as sampled gauges, on real PostgreSQL: the big data centre's open-records changelog not yet published
(aggregation_svc.metrics; A22.1, A24.1), and the gateway's audit records not yet committed (gateway.metrics; A36.1),
the figures the HubOpenChangelogAging and HubAuditWriterStalled alerts watch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import asyncpg
import pytest
from fastapi import FastAPI
from sqlalchemy import insert

from aggregation_svc.changelog.models import PendingChange
from aggregation_svc.metrics import CHANGELOG_BACKLOG, CHANGELOG_OLDEST_AGE, sample_changelog
from factories import audit_fields
from gateway.audit.writer import AuditLog
from gateway.metrics import AUDIT_PENDING, sample_audit_queue
from harness import Infra, Keys, eventually, settings_for
from hub.db import asyncpg_dsn, create_engine, create_sessionmaker
from hub.metrics_sampling import Reading

pytestmark = pytest.mark.integration

# The lock every audit batch takes (gateway.audit.writer): held elsewhere, no batch commits.
CHAIN_LOCK = "SELECT pg_advisory_xact_lock(hashtext('gateway.audit_chain'))"


def by_name(readings: list[Reading]) -> dict[str, float]:
    return {reading.gauge.name: reading.value for reading in readings}


@pytest.fixture
def service_state(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> Callable[[str], Awaitable[FastAPI]]:
    """A service's state (settings, engine, sessions) on a fresh database of its own."""

    async def make(service: str) -> FastAPI:
        app = FastAPI()
        app.state.settings = settings_for(service, infra, keys, await database_factory(service), topic_prefix)
        app.state.engine = create_engine(app.state.settings)
        app.state.sessionmaker = create_sessionmaker(app.state.engine)
        return app

    return make


@pytest.fixture
async def aggregation(service_state: Callable[[str], Awaitable[FastAPI]]) -> AsyncIterator[FastAPI]:
    app = await service_state("aggregation")
    try:
        yield app
    finally:
        await app.state.engine.dispose()


@pytest.fixture
async def gateway(service_state: Callable[[str], Awaitable[FastAPI]]) -> AsyncIterator[FastAPI]:
    app = await service_state("gateway")
    try:
        yield app
    finally:
        await app.state.engine.dispose()


async def test_the_changelogs_pending_work_and_its_oldest_age_A24_1(aggregation: FastAPI) -> None:
    assert by_name(await sample_changelog(aggregation)) == {CHANGELOG_BACKLOG.name: 0, CHANGELOG_OLDEST_AGE.name: 0}
    now = datetime.now(UTC)
    async with aggregation.state.sessionmaker() as session, session.begin():
        await session.execute(
            insert(PendingChange),
            [{"entry_id": uuid.uuid4(), "keys": ["k1"], "noted_at": now - timedelta(minutes=12)},
             {"entry_id": uuid.uuid4(), "keys": None, "noted_at": now}],
        )  # fmt: skip
    readings = by_name(await sample_changelog(aggregation))
    assert readings[CHANGELOG_BACKLOG.name] == 2
    assert 12 * 60 <= readings[CHANGELOG_OLDEST_AGE.name] < 12 * 60 + 30


async def test_audit_records_the_writer_cannot_commit_are_counted_until_it_can_A36_1(gateway: FastAPI) -> None:
    audit = AuditLog(gateway.state.engine)
    gateway.state.gateway = SimpleNamespace(audit=audit)
    audit.start()
    stall = await asyncpg.connect(asyncpg_dsn(gateway.state.settings.database_url))
    try:
        assert by_name(await sample_audit_queue(gateway)) == {AUDIT_PENDING.name: 0}
        locked = stall.transaction()
        await locked.start()
        await stall.execute(CHAIN_LOCK)  # another writer holding the chain: nothing commits
        appends = [asyncio.create_task(audit.append(audit_fields(n))) for n in range(3)]
        await eventually(lambda: audit.pending == 3)
        await asyncio.sleep(0.2)  # still stalled a moment later
        assert by_name(await sample_audit_queue(gateway)) == {AUDIT_PENDING.name: 3}
        await locked.rollback()
        await asyncio.gather(*appends)
        assert by_name(await sample_audit_queue(gateway)) == {AUDIT_PENDING.name: 0}
    finally:
        await stall.close()
        await audit.stop()
