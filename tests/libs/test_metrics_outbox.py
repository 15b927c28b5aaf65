"""The outbox's backlog, the age of its oldest row and its dead letters as sampled gauges (hub.metrics_outbox), on real
PostgreSQL: the figures the HubOutboxBacklogAging and HubOutboxDeadLetters alerts watch."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from factories import credit_code
from harness import Infra, Keys, settings_for
from hub.contracts.catalog import AgencyRegistered
from hub.db import create_engine, create_sessionmaker
from hub.metrics_outbox import OUTBOX_BACKLOG, OUTBOX_DEAD_LETTERS, OUTBOX_OLDEST_AGE, sample_outbox
from hub.metrics_sampling import Reading
from hub.outbox import record_event

pytestmark = pytest.mark.integration


@pytest.fixture
async def catalog(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[FastAPI]:
    """catalog-svc's state on a fresh database, without its relay: what is recorded stays in the outbox."""
    app = FastAPI()
    app.state.settings = settings_for("catalog", infra, keys, await database_factory("catalog"), topic_prefix)
    app.state.engine = create_engine(app.state.settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    try:
        yield app
    finally:
        await app.state.engine.dispose()


def by_name(readings: list[Reading]) -> dict[str, float]:
    return {reading.gauge.name: reading.value for reading in readings}


async def record(app: FastAPI, count: int, *, waited: timedelta) -> None:
    """`count` events committed to the outbox `waited` ago."""
    async with app.state.sessionmaker() as session, session.begin():
        ids = [
            await record_event(session, AgencyRegistered(agency_id=uuid.uuid4(), credit_code=credit_code(),
                         name="无锡市公安局", kind="administrative_organ", region_code="320200"), source="/hub/catalog")
            for _ in range(count)
        ]  # fmt: skip
        await session.flush()
        await session.execute(
            text("UPDATE outbox SET occurred_at = :at WHERE event_id = ANY(:ids)"),
            {"at": datetime.now(UTC) - waited, "ids": ids},
        )


async def test_an_empty_outbox_has_no_backlog_and_no_age(catalog: FastAPI) -> None:
    readings = by_name(await sample_outbox(catalog))
    assert readings == {OUTBOX_BACKLOG.name: 0, OUTBOX_OLDEST_AGE.name: 0, OUTBOX_DEAD_LETTERS.name: 0}


async def test_the_backlog_counts_waiting_events_and_the_age_is_the_oldest_ones(catalog: FastAPI) -> None:
    await record(catalog, 2, waited=timedelta(minutes=7))
    await record(catalog, 3, waited=timedelta(seconds=1))
    readings = by_name(await sample_outbox(catalog))
    assert readings[OUTBOX_BACKLOG.name] == 5
    assert 7 * 60 <= readings[OUTBOX_OLDEST_AGE.name] < 7 * 60 + 30


async def test_events_set_aside_count_as_dead_letters_not_as_backlog_A29_1(catalog: FastAPI) -> None:
    await record(catalog, 3, waited=timedelta(seconds=1))
    async with catalog.state.engine.begin() as conn:
        # As the relay sets two aside (hub.outbox), with the refusal.
        await conn.execute(text(
            "WITH moved AS (DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT 2) RETURNING *) "
            "INSERT INTO outbox_dead_letters (event_id, topic, type, source, subject, occurred_at, payload, "
            "trace_headers, error, dead_lettered_at) SELECT event_id, topic, type, source, subject, occurred_at, "
            "payload, trace_headers, 'MessageSizeTooLargeError', now() FROM moved"
        ))  # fmt: skip
    readings = by_name(await sample_outbox(catalog))
    assert (readings[OUTBOX_BACKLOG.name], readings[OUTBOX_DEAD_LETTERS.name]) == (1, 2)
