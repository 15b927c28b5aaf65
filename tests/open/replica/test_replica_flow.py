"""open-svc's replica of open data equals what the centre holds for every open entry, is rebuilt from the changelog
alone, and loses an entry within seconds of it ceasing to be open (A22.1, A24.1, A38.1)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aggregation.centre import World, ndjson, person, record_consent
from aggregation.changelog.topic import CONDITIONALLY_OPEN, NOT_OPEN, OPEN, publish_version
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from harness import Infra, eventually, fresh_database, rows
from hub.db import async_url
from open_svc.replica import repository
from open_svc.replica.__main__ import rebuild
from open_svc.replica.repository import Digest

pytestmark = pytest.mark.integration

# The centre's open entries, by the Measures' rule written out here (A22.1, A38.1), not the module's.
CENTRE_OPEN_ENTRIES = (
    "SELECT entry_id FROM published_entries WHERE open_type IN ('unconditional', 'conditional') "
    "AND secrecy <> 'secret' AND retired_at IS NULL"
)


async def _centre(world: World, entry_id: uuid.UUID) -> dict[str, str]:
    """What the public may see of the entry in the centre: its records resting on no consent (A16.1), key → data."""
    found = await world.rows(
        "SELECT key, data::text FROM records WHERE entry_id = :e AND consent_id IS NULL", e=entry_id
    )
    return dict(found)


async def _replica(world: World, entry_id: uuid.UUID) -> dict[str, str]:
    """Every row the replica table holds for the entry, whatever open-svc's catalogue says of it."""
    found = await rows(world.mesh.databases["open"], "SELECT key, data::text FROM open_records WHERE entry_id = $1",
                       entry_id)  # fmt: skip
    return {r["key"]: r["data"] for r in found}


def _digest(records: dict[str, str]) -> Digest:
    """The digest computed here from its definition: the sum of the first 60 bits of MD5(key, U+001F, data)."""
    hashes = (hashlib.md5(f"{key}\x1f{data}".encode(), usedforsecurity=False) for key, data in records.items())
    total = sum(int(h.hexdigest()[:15], 16) for h in hashes)
    return Digest(len(records), total)


@pytest.fixture
async def replica_session(world: World) -> AsyncIterator[AsyncSession]:
    engine = create_async_engine(async_url(world.mesh.databases["open"]))
    try:
        async with AsyncSession(engine) as session:
            yield session
    finally:
        await engine.dispose()


async def _served(session: AsyncSession, entry_id: uuid.UUID) -> tuple[int, Digest]:
    """What open-svc serves of the entry: its count and digest, read as the other parts read them."""
    async with session.begin():
        return await repository.count(session, entry_id), await repository.digest(session, entry_id)


async def _settled(world: World) -> None:
    """The centre has published everything it noted, and the replica has applied it."""

    async def check() -> bool:
        if await world.rows("SELECT count(*) FROM open_changelog") != [(0,)]:
            return False
        for (entry_id,) in await world.rows(CENTRE_OPEN_ENTRIES):
            if await _replica(world, entry_id) != await _centre(world, entry_id):
                return False
        return True

    await eventually(check, within=30)


async def test_the_replica_equals_the_centre_for_every_open_entry_A22_1_A24_1(
    world: World, replica_session: AsyncSession
) -> None:
    police = world.police.system
    unconditional = await world.publish(world.police, **OPEN)
    conditional = await world.publish(world.police, **CONDITIONALLY_OPEN)
    closed = await world.publish(world.police, **NOT_OPEN)
    with_consent = await world.publish(world.police, **OPEN)
    await world.push(unconditional, "b1", ndjson(person(n) for n in range(300)), police)
    changes = [{"id_number": person(n)["id_number"], "age": 40 + n} for n in range(10)]
    assert (await world.push(unconditional, "b2", ndjson(changes), police, mode="merge")).json()["updated"] == 10
    await world.push(conditional, "b1", ndjson(person(n) for n in range(50)), police)
    await world.push(closed, "b1", ndjson(person(n) for n in range(20)), police)
    consent_id = await record_consent(world, with_consent)
    await world.push(with_consent, "b1", ndjson([*(person(n) for n in range(5)), person(5, _consent_id=consent_id)]),
                     police)  # fmt: skip

    await _settled(world)

    open_entries = {entry_id for (entry_id,) in await world.rows(CENTRE_OPEN_ENTRIES)}
    assert {uuid.UUID(e) for e in (unconditional, conditional, with_consent)} <= open_entries
    for entry_id in open_entries:
        centre = await _centre(world, entry_id)
        assert await _served(replica_session, entry_id) == (len(centre), _digest(centre))
    sizes = {e: len(await _replica(world, uuid.UUID(e))) for e in (unconditional, conditional, closed, with_consent)}
    assert sizes == {unconditional: 300, conditional: 50, closed: 0, with_consent: 5}
    merged = json.loads((await _replica(world, uuid.UUID(unconditional)))[json.dumps([person(3)["id_number"]])])
    assert merged == person(3, age=43)


async def test_rebuilding_the_replica_from_the_changelog_yields_the_same_content_A24_1(
    world: World, infra: Infra
) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    await world.push(entry_id, "b1", ndjson(person(n) for n in range(120)), world.police.system)
    gone = await world.publish(world.police, **OPEN)
    await world.push(gone, "b1", ndjson(person(n) for n in range(7)), world.police.system)
    await publish_version(world, gone, world.police, 2, **NOT_OPEN)  # its values, then its tombstones, on the topic
    await _settled(world)
    query = "SELECT entry_id, key, data::text, updated_at FROM open_records ORDER BY entry_id, key"
    before = [tuple(r) for r in await rows(world.mesh.databases["open"], query)]
    assert len([r for r in before if r[0] == uuid.UUID(entry_id)]) == 120
    assert not [r for r in before if r[0] == uuid.UUID(gone)]

    # While open-svc runs: its follower hears the reset and replays the topic; the rebuild waits for it.
    settings = world.mesh.services["open"].app.state.settings
    assert await rebuild(settings, wait_seconds=30) == (len(before), len({r[0] for r in before}))
    assert [tuple(r) for r in await rows(world.mesh.databases["open"], query)] == before

    # Into an empty replica no follower serves, by the command: it replays the topic itself.
    empty = await fresh_database(infra, "open")
    try:
        assert await _rebuild_command(world, empty) == len(before)
        assert [tuple(r) for r in await rows(empty, query)] == before
    finally:
        await infra.drop_database(empty)


async def test_an_entry_that_stops_being_open_leaves_the_replica_within_seconds_A22_1(
    world: World, replica_session: AsyncSession
) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    await world.push(entry_id, "b1", ndjson(person(n) for n in range(100)), world.police.system)
    await eventually(lambda: _held(world, uuid.UUID(entry_id), 100))

    await publish_version(world, entry_id, world.police, 2, **NOT_OPEN)
    closed_at = time.monotonic()

    await eventually(lambda: _held(world, uuid.UUID(entry_id), 0), within=10)
    assert time.monotonic() - closed_at < 10
    assert await _served(replica_session, uuid.UUID(entry_id)) == (0, Digest(0, 0))


async def test_a_retired_entry_leaves_the_replica_A22_1(world: World) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    await world.push(entry_id, "b1", ndjson(person(n) for n in range(3)), world.police.system)
    await eventually(lambda: _held(world, uuid.UUID(entry_id), 3))

    retired = await world.gateway.post(f"/api/catalog/entries/{entry_id}/retire", headers=world.police.system)
    assert retired.status_code == 200, retired.text

    await eventually(lambda: _held(world, uuid.UUID(entry_id), 0), within=10)


async def _held(world: World, entry_id: uuid.UUID, count: int) -> bool:
    return len(await _replica(world, entry_id)) == count


async def _rebuild_command(world: World, database_url: str) -> int:
    """Run `python -m open_svc.replica rebuild` on a replica database; how many records it says it holds."""
    settings = world.mesh.services["open"].app.state.settings
    env: dict[str, Any] = {**os.environ, "DATABASE_URL": database_url, "KAFKA_BOOTSTRAP_SERVERS": world.kafka,
                           "KAFKA_TOPIC_PREFIX": settings.kafka_topic_prefix, "LOG_JSON": "false"}  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "open_svc.replica", "rebuild", "--wait-seconds", "60", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode == 0, err.decode()
    said = out.decode().strip()
    assert said.startswith("replica rebuilt from the changelog: "), said
    return int(said.removeprefix("replica rebuilt from the changelog: ").split()[0])
