"""Data quality through the gateway: per-entry snapshots, stale entries announced once, rollups per agency and
region (A25.1, A32.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aggregation.centre import DISTRICT, World, ndjson, person, register_agency
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.quality.service import take_snapshots
from harness import CITY, assert_problem, eventually, records_of
from hub.events import EventEnvelope

pytestmark = pytest.mark.integration


async def push_mixed_batch(world: World, entry_id: str, headers: dict[str, str]) -> None:
    """Two stored records, one with every declared item, and one row quarantined for a blank required item."""
    rows = [person(1, registered_on="2020-01-01"), person(2), person(3, full_name="")]
    response = await world.push(entry_id, "b1", ndjson(rows), headers)
    assert (response.json()["stored"], response.json()["quarantined"]) == (2, 1), response.text


async def snapshot_now(world: World) -> dict[str, Any]:
    response = await world.gateway.post("/api/aggregation/quality/snapshots", headers=world.admin)
    assert response.status_code == 200, response.text
    run: dict[str, Any] = response.json()
    return run


async def test_a_snapshot_measures_completeness_validity_uniqueness_and_timeliness_A25_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    await push_mixed_batch(world, entry_id, world.police.system)
    await snapshot_now(world)

    response = await world.gateway.get(f"/api/aggregation/quality/entries/{entry_id}", headers=world.police.system)
    assert response.status_code == 200, response.text
    latest = response.json()["latest"]
    # Completeness counts every declared item, optional ones too: required ones are enforced at ingest.
    assert (latest["records"], latest["complete_records"], latest["completeness"]) == (2, 1, 0.5)
    assert (latest["accepted_rows"], latest["quarantined_rows"]) == (2, 1)
    assert latest["validity"] == pytest.approx(2 / 3)
    assert (latest["uniqueness"], latest["stale"]) == (1.0, False)
    assert latest["score"] == pytest.approx((0.5 + 2 / 3 + 1.0 + 1.0) / 4)
    assert latest["last_ingested_at"] is not None
    assert response.json()["history"][0] == latest


async def test_an_entrys_quality_is_read_by_its_agency_and_the_operators_of_its_region_A4_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    path = f"/api/aggregation/quality/entries/{entry_id}"
    assert (await world.gateway.get(path, headers=world.reviewer)).json()["latest"] is None
    assert (await world.gateway.get(path, headers=world.district_reviewer)).json()["requirement"] == "A4.1"
    assert (await world.gateway.get(path, headers=world.water.system)).status_code == 403
    assert (await world.gateway.post("/api/aggregation/quality/snapshots", headers=world.reviewer)).status_code == 403


async def test_a_daily_entry_without_data_for_a_day_is_flagged_stale_and_announced_once_A25_1(world: World) -> None:
    # A district agency of its own, so the snapshots taken "in two days" touch no other test's entries.
    agency = await register_agency(world.gateway, world.admin, "锡山区市场监督管理局", DISTRICT)
    entry_id = await world.publish(agency, update_cycle="daily")
    weekly_id = await world.publish(agency, update_cycle="weekly")
    await push_mixed_batch(world, entry_id, agency.system)
    await push_mixed_batch(world, weekly_id, agency.system)
    later = datetime.now(UTC) + timedelta(days=2)

    async with AsyncSession(world.aggregation_db) as session, session.begin():
        first = await take_snapshots(session, later, DISTRICT)
    async with AsyncSession(world.aggregation_db) as session, session.begin():
        second = await take_snapshots(session, later + timedelta(hours=1), DISTRICT)

    assert [str(e) for e in first.newly_stale] == [entry_id]
    assert second.newly_stale == []
    latest = (await world.gateway.get(f"/api/aggregation/quality/entries/{entry_id}", headers=agency.system)).json()
    assert latest["latest"]["stale"] is True
    assert len(latest["history"]) == 2

    async def announced() -> list[dict[str, Any]]:
        records = await records_of(world.kafka, f"{world.topic_prefix}aggregation.events")
        envelopes = [EventEnvelope.from_kafka(r.headers, r.value) for r in records]
        return [e.data for e in envelopes if e.type == "aggregation.entry.stale" and e.subject == entry_id]

    (event,) = await eventually(announced)
    assert (event["agency_id"], event["region_code"], event["update_cycle"]) == (agency.id, DISTRICT, "daily")
    assert event["last_ingested_at"] is not None

    rollup = (await world.gateway.get(f"/api/aggregation/quality/agencies/{agency.id}", headers=agency.system)).json()
    assert (rollup["entries"], rollup["measured_entries"], rollup["stale_entries"]) == (2, 2, 1)
    district = await world.gateway.get(f"/api/aggregation/quality/regions/{DISTRICT}", headers=world.district_reviewer)
    assert {e["entry_id"] for e in district.json()["by_entry"]} == {entry_id, weekly_id}
    assert district.json()["stale_entries"] == 1


async def test_quality_rolls_up_per_agency_and_region_with_history_A32_1(world: World) -> None:
    agency = await register_agency(world.gateway, world.admin, "无锡市统计局", CITY)
    with_data = await world.publish(agency)
    empty = await world.publish(agency, update_cycle="weekly")
    await push_mixed_batch(world, with_data, agency.system)
    await snapshot_now(world)

    path = f"/api/aggregation/quality/agencies/{agency.id}"
    rollup = (await world.gateway.get(path, headers=agency.system)).json()
    assert (rollup["scope"], rollup["entries"], rollup["measured_entries"], rollup["stale_entries"]) == (
        "agency", 2, 2, 0,
    )  # fmt: skip
    # The empty entry has nothing to measure but timeliness: it does not dilute completeness or validity.
    assert (rollup["completeness"], rollup["validity"]) == (0.5, pytest.approx(2 / 3))
    scores = {e["entry_id"]: e["score"] for e in rollup["by_entry"]}
    assert scores[empty] == 1.0
    assert rollup["score"] == pytest.approx((scores[with_data] + 1.0) / 2)
    assert rollup["history"][0]["entries"] == 2
    assert (await world.gateway.get(path, headers=world.reviewer)).status_code == 200
    assert (await world.gateway.get(path, headers=world.water.system)).status_code == 403
    assert (await world.gateway.get(path, headers=world.district_reviewer)).json()["requirement"] == "A4.1"

    city = await world.gateway.get(f"/api/aggregation/quality/regions/{CITY}", headers=world.reviewer)
    assert city.status_code == 200, city.text
    assert {with_data, empty} <= {e["entry_id"] for e in city.json()["by_entry"]}
    assert city.json()["history"]
    outside = await world.gateway.get(f"/api/aggregation/quality/regions/{CITY}", headers=world.district_reviewer)
    assert outside.json()["requirement"] == "A4.1"


@pytest.mark.parametrize("region", ["abc", "3" * 500, "3202001", "３２０２００"])
async def test_a_region_that_is_no_division_code_is_refused_naming_it_A28_1(world: World, region: str) -> None:
    response = await world.gateway.get(f"/api/aggregation/quality/regions/{region}", headers=world.reviewer)
    problem = assert_problem(response, 422)
    assert [e["field"] for e in problem["errors"]] == ["path.region_code"]


@pytest.mark.parametrize("region", ["%00", "320200%0A"])
async def test_a_region_holding_nul_or_a_control_character_is_refused_as_invalid_input_A28_1(
    world: World, region: str
) -> None:
    # Refused before the centre's own schema (by the gateway or the services' input edge), never reaching SQL.
    response = await world.gateway.get(f"/api/aggregation/quality/regions/{region}", headers=world.reviewer)
    assert all(e["field"].startswith("path") for e in assert_problem(response, 422)["errors"])
