"""What a batch holds while it is stored, on the centre's real database: its entry (a retirement or a new version
waits for it, A15.1), the consents its rows rest on (a revocation waits, and then withdraws its records, A16.1),
and a transaction around every write, COPY included (A17.1)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aggregation.centre import World, ndjson, person, record_consent
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.service import accepting_entry
from aggregation_svc.ingest.repository import clock_time, valid_consents
from hub.db import driver_connection

pytestmark = pytest.mark.integration


async def locked_elsewhere(world: World, query: str, **params: object) -> bool:
    """Whether another transaction's FOR UPDATE NOWAIT on the row finds it held."""
    async with world.aggregation_db.connect() as other:
        try:
            await other.execute(text(query), params)
        except DBAPIError as exc:
            if "could not obtain lock" not in str(exc):
                raise
            return True
        return False


async def test_the_entry_a_batch_is_stored_under_cannot_change_until_the_batch_ends_A15_1(world: World) -> None:
    entry_id = uuid.UUID(await world.publish(world.police))
    retire = "SELECT 1 FROM published_entries WHERE entry_id = :e FOR UPDATE NOWAIT"
    async with AsyncSession(world.aggregation_db) as session:
        async with session.begin():
            await accepting_entry(session, entry_id)
            assert await locked_elsewhere(world, retire, e=entry_id)
        assert not await locked_elsewhere(world, retire, e=entry_id)


async def test_a_consent_a_batch_relies_on_cannot_be_revoked_until_the_batch_ends_A16_1(world: World) -> None:
    entry_id = await world.publish(world.police, consent_required=True)
    consent = uuid.UUID(await record_consent(world, entry_id))
    revoke = "SELECT 1 FROM consents WHERE id = :c FOR UPDATE NOWAIT"
    async with AsyncSession(world.aggregation_db) as session, session.begin():
        entry = await accepting_entry(session, uuid.UUID(entry_id))
        held = await valid_consents(
            session, {consent}, entry.entry_id, entry.row.provider_agency_id, await clock_time(session)
        )
        assert held == {consent}
        assert await locked_elsewhere(world, revoke, c=consent)


async def test_the_asyncpg_connection_under_a_fresh_session_is_inside_its_transaction_A17_1(world: World) -> None:
    async with AsyncSession(world.aggregation_db) as session, session.begin():
        driver = await driver_connection(session)
        assert driver.is_in_transaction()


async def test_batches_of_one_entry_pushed_at_once_are_stored_one_after_the_other_with_every_change_A17_1(
    world: World,
) -> None:
    """Two batches whose keys overlap, pushed at the same time: each key is stored once, its versions count every
    change, and the two reports add up (one writer per entry: what a batch finds stored stays true)."""
    entry_id = await world.publish(world.police)
    first = ndjson(person(n) for n in range(0, 6000))
    second = ndjson(person(n, age=31) for n in range(4000, 10000))
    answers = await asyncio.gather(
        world.push(entry_id, "first", first, world.police.system),
        world.push(entry_id, "second", second, world.police.system),
    )
    assert [a.status_code for a in answers] == [201, 201], [a.text for a in answers]
    reports = [a.json() for a in answers]
    assert sum(r["inserted"] for r in reports) == 10000
    assert sum(r["updated"] for r in reports) == 2000
    entry = uuid.UUID(entry_id)
    assert await world.rows(
        "SELECT count(*), count(DISTINCT key), sum(version) FROM records WHERE entry_id = :e", e=entry
    ) == [(10000, 10000, 12000)]
    assert await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry) == [(12000,)]
