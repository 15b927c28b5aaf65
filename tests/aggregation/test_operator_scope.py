"""Every route of the big data centre walked through the gateway by callers outside the data's scope: a district's
operators on the city's and a sibling district's entries, records, batches, consents and quality (A4.1), and an
agency on another agency's (A15.2, A21.1, A32.1). Each is refused, and learns nothing (not even whether a batch
exists); the views over many entries show only what lies in the caller's scope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from aggregation.centre import (
    DISTRICT,
    Agency,
    World,
    consent_body,
    ndjson,
    person,
    register_agency,
)

from harness import CITY, assert_problem, register_client

pytestmark = pytest.mark.integration

SIBLING = "320206"  # 惠山区, beside 锡山区 (DISTRICT) in 无锡市 (CITY)


@dataclass
class Held:
    """What one agency holds in the centre: a base entry with a stored record, a batch and a consent."""

    agency: Agency
    entry_id: str
    consent_id: str


@dataclass
class Scene:
    city: Held  # of the city's police (world.police)
    sibling: Held  # of an agency of the sibling district
    own: Held  # of an agency of the district the district operators work in
    district: dict[str, dict[str, str]]  # the district's operators by role


async def hold(world: World, agency: Agency) -> Held:
    entry_id = await world.publish(agency, category="base", base_database="population", consent_required=True)
    consent = await world.gateway.post("/api/aggregation/consents", json=consent_body(entry_id), headers=agency.system)
    assert consent.status_code == 201, consent.text
    consent_id = str(consent.json()["id"])
    pushed = await world.push(entry_id, "b1", ndjson([person(1, _consent_id=consent_id)]), agency.system)
    assert pushed.json()["stored"] == 1, pushed.text
    return Held(agency, entry_id, consent_id)


@pytest.fixture(scope="module")
async def scene(world: World) -> Scene:
    sibling = {"code": SIBLING, "name": "惠山区", "level": "district", "parent_code": CITY}
    assert (await world.gateway.post("/api/catalog/regions", json=sibling, headers=world.admin)).status_code == 201
    district = {
        role: await register_client(world.gateway, world.admin, "operator", [role], region=DISTRICT)
        for role in ("reviewer", "administrator", "inspector")
    }
    return Scene(
        city=await hold(world, world.police),
        sibling=await hold(world, await register_agency(world.gateway, world.admin, "惠山区公安分局", SIBLING)),
        own=await hold(world, await register_agency(world.gateway, world.admin, "锡山区公安分局", DISTRICT)),
        district=district,
    )


def reads(held: Held) -> list[tuple[str, str, dict[str, Any] | None]]:
    """Every route reading what the agency holds: method, path, JSON body."""
    entry, agency = held.entry_id, held.agency.id
    return [
        ("GET", f"/api/aggregation/entries/{entry}", None),
        ("GET", f"/api/aggregation/entries/{entry}/batches/b1", None),
        ("GET", f"/api/aggregation/entries/{entry}/batches/no-such-batch", None),
        ("GET", f"/api/aggregation/entries/{entry}/records", None),
        ("GET", f"/api/aggregation/entries/{entry}/history?key.id_number={person(1)['id_number']}", None),
        ("GET", f"/api/aggregation/consents/{held.consent_id}", None),
        ("GET", f"/api/aggregation/quality/entries/{entry}", None),
        ("GET", f"/api/aggregation/quality/agencies/{agency}", None),
    ]


async def call(world: World, method: str, path: str, body: dict[str, Any] | None, headers: dict[str, str]) -> Any:
    return await world.gateway.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize("role", ["reviewer", "administrator", "inspector"])
@pytest.mark.parametrize("whose", ["city", "sibling"])
async def test_a_district_operator_reads_nothing_of_the_citys_or_a_sibling_districts_data_A4_1(
    world: World, scene: Scene, role: str, whose: str
) -> None:
    held: Held = getattr(scene, whose)
    for method, path, body in reads(held):
        response = await call(world, method, path, body, scene.district[role])
        assert assert_problem(response, 403)["requirement"] == "A4.1", (path, response.text)
    region = CITY if whose == "city" else SIBLING
    response = await call(world, "GET", f"/api/aggregation/quality/regions/{region}", None, scene.district[role])
    assert assert_problem(response, 403)["requirement"] == "A4.1"


@pytest.mark.parametrize("whose", ["city", "sibling"])
async def test_a_district_administrator_revokes_no_consent_of_the_city_or_a_sibling_district_A4_1(
    world: World, scene: Scene, whose: str
) -> None:
    held: Held = getattr(scene, whose)
    path = f"/api/aggregation/consents/{held.consent_id}/revoke"
    response = await call(world, "POST", path, {"reason": "x"}, scene.district["administrator"])
    assert assert_problem(response, 403)["requirement"] == "A4.1"
    assert (await call(world, "GET", path.removesuffix("/revoke"), None, held.agency.system)).json()["holds"]


async def test_operators_read_everything_in_their_region_the_citys_including_its_districts_A4_1(
    world: World, scene: Scene
) -> None:
    for method, path, body in reads(scene.own):
        if "no-such-batch" in path:
            continue
        assert (await call(world, method, path, body, scene.district["inspector"])).status_code == 200, path
    for held in (scene.own, scene.sibling):
        for method, path, body in reads(held):
            expected = 404 if "no-such-batch" in path else 200
            assert (await call(world, method, path, body, world.reviewer)).status_code == expected, path


async def test_an_agency_reads_and_writes_nothing_of_another_agencys_entries_A15_2(world: World, scene: Scene) -> None:
    other = world.water.system
    refusals = {
        f"/api/aggregation/entries/{scene.city.entry_id}": "A15.2",
        f"/api/aggregation/entries/{scene.city.entry_id}/batches/b1": "A15.2",
        f"/api/aggregation/entries/{scene.city.entry_id}/batches/no-such-batch": "A15.2",
        f"/api/aggregation/entries/{scene.city.entry_id}/records": "A21.1",
        f"/api/aggregation/quality/entries/{scene.city.entry_id}": "A32.1",
        f"/api/aggregation/quality/agencies/{world.police.id}": "A32.1",
    }
    for path, requirement in refusals.items():
        assert assert_problem(await call(world, "GET", path, None, other), 403)["requirement"] == requirement, path
    assert (
        await call(world, "GET", f"/api/aggregation/consents/{scene.city.consent_id}", None, other)
    ).status_code == 403
    revoke = f"/api/aggregation/consents/{scene.city.consent_id}/revoke"
    assert (await call(world, "POST", revoke, {"reason": "x"}, other)).status_code == 403
    push = await world.push(scene.city.entry_id, "b2", ndjson([person(2)]), world.water.job)
    assert assert_problem(push, 403)["requirement"] == "A15.2"
    consent = await call(world, "POST", "/api/aggregation/consents", consent_body(scene.city.entry_id), other)
    assert assert_problem(consent, 422)["requirement"] == "A15.2"


async def test_the_base_databases_show_each_caller_only_the_entries_in_its_scope_A4_1_A15_2(
    world: World, scene: Scene
) -> None:
    async def population(headers: dict[str, str]) -> set[str]:
        response = await world.gateway.get("/api/aggregation/base-databases", headers=headers)
        assert response.status_code == 200, response.text
        (found,) = [d for d in response.json() if d["name"] == "population"]
        return {e["entry_id"] for e in found["entries"]}

    everything = {scene.city.entry_id, scene.sibling.entry_id, scene.own.entry_id}
    assert await population(world.reviewer) == everything
    assert await population(scene.district["reviewer"]) == {scene.own.entry_id}
    assert await population(world.police.system) == {scene.city.entry_id}
    assert await population(world.water.system) == set()


async def test_a_district_administrators_snapshot_measures_its_district_only_A4_1(world: World, scene: Scene) -> None:
    response = await world.gateway.post("/api/aggregation/quality/snapshots", headers=scene.district["administrator"])
    assert response.status_code == 200, response.text
    assert (response.json()["region_code"], response.json()["entries"]) == (DISTRICT, 1)
    measured = await world.rows("SELECT DISTINCT entry_id FROM quality_snapshots")
    assert {str(row[0]) for row in measured} == {scene.own.entry_id}
