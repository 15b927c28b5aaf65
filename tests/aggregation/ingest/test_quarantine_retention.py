"""Quarantined rows, whose text may hold personal data, are deleted when their configured retention ends; the
batch keeps its counts and says when (A38.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from aggregation.centre import World, ndjson, person
from sqlalchemy import text

from aggregation_svc.ingest.retention import purge_expired_quarantine, retention_cutoff

pytestmark = pytest.mark.integration


def test_the_cutoff_is_the_configured_number_of_days_back_A38_1() -> None:
    now = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert retention_cutoff(now, 90) == datetime(2026, 8, 29, 8, 0, tzinfo=UTC)


async def test_rows_past_their_retention_are_deleted_and_the_batch_says_when_A38_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    for batch_id in ("old", "recent"):
        body = ndjson([person(1), person(2, age="thirty")])
        assert (await world.push(entry_id, batch_id, body, world.police.system)).status_code == 201
    entry = uuid.UUID(entry_id)
    app = world.mesh.services["aggregation"].app
    retention_days = app.state.settings.quarantine_retention_days
    async with world.aggregation_db.begin() as conn:  # the first batch finished a day past the retention
        await conn.execute(
            text("UPDATE batches SET finished_at = now() - make_interval(days => :days) "
                 "WHERE entry_id = :e AND batch_id = 'old'"),
            {"days": retention_days + 1, "e": entry},
        )  # fmt: skip

    async with app.state.sessionmaker() as session, session.begin():
        await purge_expired_quarantine(app, session)

    old = (await world.report(entry_id, "old", world.police.system)).json()
    assert (old["quarantined"], old["quarantine"]) == (1, [])
    assert old["quarantine_purged_at"] is not None
    recent = (await world.report(entry_id, "recent", world.police.system)).json()
    assert ([q["row"] for q in recent["quarantine"]], recent["quarantine_purged_at"]) == ([2], None)
    assert await world.rows(
        "SELECT batch_id, count(*) FROM quarantined_rows WHERE entry_id = :e GROUP BY batch_id", e=entry
    ) == [("recent", 1)]
    # The records the batches stored are not the quarantine's: they stay.
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry) == [(1,)]
