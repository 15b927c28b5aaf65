"""A batch that stops half-way leaves nothing behind, and its retry stores it all exactly once (A17.1)."""

from __future__ import annotations

import uuid

import pytest
from aggregation.centre import World, ingest_in_flight, rolled_back, streamed_rows

from harness import eventually

pytestmark = pytest.mark.integration
ROWS = 20_000


async def test_a_batch_cut_off_mid_way_leaves_nothing_and_its_retry_stores_it_all_once_A17_1(world: World) -> None:
    entry_id = await world.publish(world.police)

    async def once_writing() -> None:
        await eventually(lambda: ingest_in_flight(world))

    with pytest.raises(ConnectionAbortedError):
        await world.push(entry_id, "big", streamed_rows(ROWS, cut=once_writing), world.police.system)
    # The centre sees its client gone and rolls the batch back.
    await eventually(lambda: rolled_back(world))
    entry = uuid.UUID(entry_id)
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry) == [(0,)]
    assert await world.rows("SELECT count(*) FROM batches WHERE entry_id = :e", e=entry) == [(0,)]
    assert (await world.report(entry_id, "big", world.police.system)).status_code == 404

    retried = await world.push(entry_id, "big", streamed_rows(ROWS), world.police.system)
    assert retried.status_code == 201, retried.text
    assert (retried.json()["received"], retried.json()["stored"], retried.json()["inserted"]) == (ROWS, ROWS, ROWS)
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry) == [(ROWS,)]
    assert await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry) == [(ROWS,)]
    replayed = await world.push(entry_id, "big", streamed_rows(ROWS), world.police.system)
    assert (replayed.status_code, replayed.json()["stored"]) == (200, ROWS)
    assert await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry) == [(ROWS,)]
