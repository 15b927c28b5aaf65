"""Who keeps the authoritative-source register (A15.3): the city's bureau, for entries of its city (A4.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from catalog.regional import Regional, regional_world

from harness import Infra, Keys, assert_problem

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[Regional]:
    async with regional_world(infra, keys) as running:
        yield running


async def declare(world: Regional, headers: dict[str, str], label: str, entry_code: str) -> int:
    body = {"item_label": label, "entry_code": entry_code}
    response = await world.gateway.post("/api/catalog/sources", json=body, headers=headers)
    if response.status_code != 201:
        assert_problem(response, response.status_code)
    return response.status_code


@pytest.mark.parametrize("where", ["city", "sibling", "own"])
async def test_a_district_administrator_declares_no_authoritative_source_A4_1_A15_3(
    world: Regional, where: str
) -> None:
    entry = await world.entry(where, items=[{"name": "meter", "label": f"水表编号{where}", "data_type": "string"}])
    response = await world.gateway.post(
        "/api/catalog/sources", json={"item_label": f"水表编号{where}", "entry_code": entry["code"]},
        headers=world.district["administrator"],
    )  # fmt: skip
    # The register decides for every district's submissions, so a district's bureau keeps none of it.
    assert assert_problem(response, 403)["requirement"] == "A4.1"
    register = await world.gateway.get("/api/catalog/sources", headers=world.district["administrator"])
    assert f"水表编号{where}" not in {s["item_label"] for s in register.json()}


async def test_the_city_administrator_declares_a_districts_entry_the_source_the_city_sees_all_A4_1_A15_3(
    world: Regional,
) -> None:
    entry = await world.entry("own", items=[{"name": "meter", "label": "水表编号", "data_type": "string"}])
    assert await declare(world, world.admin, "水表编号", entry["code"]) == 201
    register = await world.gateway.get("/api/catalog/sources", headers=world.district["reviewer"])
    assert {(s["item_label"], s["entry_code"]) for s in register.json()} >= {("水表编号", entry["code"])}
