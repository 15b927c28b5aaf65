"""The five base databases, visible as such with record counts and freshness (A18.1)."""

from __future__ import annotations

import pytest
from aggregation.centre import World, ndjson, person

pytestmark = pytest.mark.integration

FIVE = ["population", "legal_persons", "natural_resources_geography", "e_licences", "social_credit"]


async def test_the_five_base_databases_show_their_entries_records_and_latest_ingest_even_when_empty_A18_1(
    world: World,
) -> None:
    base_entry = await world.publish(world.police, category="base", base_database="population")
    theme_entry = await world.publish(world.police)
    pushed = await world.push(base_entry, "b1", ndjson([person(1), person(2)]), world.police.system)
    assert pushed.status_code == 201, pushed.text
    await world.push(theme_entry, "b1", ndjson([person(1)]), world.police.system)

    response = await world.gateway.get("/api/aggregation/base-databases", headers=world.reviewer)
    assert response.status_code == 200, response.text
    databases = {d["name"]: d for d in response.json()}
    assert [d["name"] for d in response.json()] == FIVE
    population = databases["population"]
    assert [e["entry_id"] for e in population["entries"]] == [base_entry]
    assert (population["records"], population["entries"][0]["records"]) == (2, 2)
    assert population["last_ingested_at"] == population["entries"][0]["last_ingested_at"] is not None
    assert population["label"] == "人口基础库"
    assert databases["e_licences"] == {
        "name": "e_licences", "label": "电子证照基础库", "entries": [], "records": 0, "last_ingested_at": None,
    }  # fmt: skip
    assert (await world.gateway.get("/api/aggregation/base-databases", headers=world.water.system)).status_code == 200
