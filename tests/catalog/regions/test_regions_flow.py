"""The region tree and compilation rules through the gateway: placed by the one region rule, kept by the bureau
of the region (A4.1), with patterns matched in linear time (A13.2, A28.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from catalog.regional import OWN, SIBLING, Regional, regional_world

from harness import CITY, Infra, Keys, assert_problem

pytestmark = pytest.mark.integration
RULES = {"required_elements": ["classification"], "allowed_update_cycles": ["daily"]}


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[Regional]:
    async with regional_world(infra, keys) as running:
        yield running


@pytest.mark.parametrize("parent", [CITY, SIBLING])
async def test_a_district_administrator_adds_no_region_outside_its_own_A4_1(world: Regional, parent: str) -> None:
    body = {"code": "320211", "name": "滨湖区", "level": "district", "parent_code": parent}
    response = await world.gateway.post("/api/catalog/regions", json=body, headers=world.district["administrator"])
    assert assert_problem(response, 403)["requirement"] == "A4.1"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "320506", "name": "吴中区", "level": "district", "parent_code": CITY}, "code"),  # Suzhou's
        ({"code": "320207", "name": "某区", "level": "district", "parent_code": OWN}, "parent_code"),
    ],
)
async def test_a_region_the_region_rule_would_not_place_there_is_refused_naming_the_field_A4_1(
    world: Regional, body: dict[str, str], field: str
) -> None:
    response = await world.gateway.post("/api/catalog/regions", json=body, headers=world.admin)
    problem = assert_problem(response, 422)
    assert (problem["requirement"], [e["field"] for e in problem["errors"]]) == ("A4.1", [field])


@pytest.mark.parametrize("region", [CITY, SIBLING])
async def test_a_district_administrator_sets_no_compilation_rule_outside_its_region_A4_1(
    world: Regional, region: str
) -> None:
    response = await world.gateway.put(
        f"/api/catalog/regions/{region}/compilation-rules", json={**RULES, "code_pattern": r"^\d+$"},
        headers=world.district["administrator"],
    )  # fmt: skip
    assert assert_problem(response, 403)["requirement"] == "A4.1"


@pytest.mark.parametrize("pattern", [r"^(\d{2})/\1$", r"^(?!99)\d{2}/\d{6}$", r"[0-9"])
async def test_a_pattern_re2_cannot_compile_is_a_422_naming_the_field_A13_2(world: Regional, pattern: str) -> None:
    response = await world.gateway.put(
        f"/api/catalog/regions/{OWN}/compilation-rules", json={**RULES, "code_pattern": pattern},
        headers=world.district["administrator"],
    )  # fmt: skip
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["body.code_pattern"]


async def test_a_catastrophic_pattern_returns_at_once_with_the_right_answer_A13_2_A28_1(world: Regional) -> None:
    response = await world.gateway.put(
        f"/api/catalog/regions/{OWN}/compilation-rules", json={**RULES, "code_pattern": r"^(a+)+$"},
        headers=world.district["administrator"],
    )  # fmt: skip
    assert response.status_code == 200, response.text
    agency = world.agencies["own"]
    near_miss = {"code": "a" * 50 + "b", "region_code": OWN, "provider_agency_id": agency["id"]}
    created = await world.gateway.post("/api/catalog/entries", json=near_miss, headers=agency["headers"])
    assert created.status_code == 201, created.text
    # With a backtracking engine this submission would take about 2^50 steps; RE2 answers in linear time.
    submitted = await world.gateway.post(
        f"/api/catalog/entries/{created.json()['id']}/submit", headers=agency["headers"]
    )
    refused = {(e["field"], e["requirement"]) for e in assert_problem(submitted, 422)["errors"]}
    assert ("code", "A13.2") in refused
