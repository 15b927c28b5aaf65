"""The CKAN-compatible API follows the catalogue: a dataset's new version is what a harvester's next incremental run
finds, and an entry that stops being open leaves every action at once — show, list, search, facets, organisations
and the datastore (A22.1, A24.1)."""

from __future__ import annotations

import asyncio
from typing import Any

import ckanapi  # type: ignore[import-untyped]
import pytest
from open.interop import World, entry

pytestmark = pytest.mark.integration


async def call(world: World, action: str, **data: Any) -> Any:
    def run() -> Any:
        with ckanapi.RemoteCKAN(world.gateway_url) as ckan:
            return ckan.call_action(action, data)

    return await asyncio.to_thread(run)


async def harvest(world: World, since: str) -> list[str]:
    """The ids a harvester pages through, a page of two at a time, ordered by id (as ckanext-harvest does)."""
    found, start = [], 0
    while page := (await call(world, "package_search", fq=f"metadata_modified:[{since} TO *]", rows=2, start=start,
                              sort="id asc"))["results"]:  # fmt: skip
        found += [dataset["id"] for dataset in page]
        start += len(page)
    return found


async def test_a_new_version_is_harvested_and_an_entry_no_longer_open_disappears_from_every_action_A22_1(
    world: World,
) -> None:
    water_quality, stations = world.id("water_quality"), world.id("stations")
    assert await harvest(world, "2026-02-15T00:00:00Z") == []

    before = world.entries["stations"]
    await world.publish("stations", entry(world.water, "2026-03-01T00:00:00", entry_id=before.entry_id,
                        code=before.code, version=2, name="水质监测站点分布（2026版）", category="department",
                        base_database=None, update_cycle="yearly"))  # fmt: skip
    closing = world.entries["water_quality"]
    await world.publish("water_quality", entry(world.water, "2026-03-02T00:00:00", entry_id=closing.entry_id,
                        code=closing.code, version=2, name=closing.name, open_type="not_open",
                        open_legal_basis="《中华人民共和国数据安全法》"))  # fmt: skip

    assert await harvest(world, "2026-02-15T00:00:00Z") == [stations]
    shown = await call(world, "package_show", id=stations)
    assert (shown["title"], shown["version"]) == ("水质监测站点分布（2026版）", "2")
    with pytest.raises(ckanapi.NotFound):
        await call(world, "package_show", id=water_quality)
    with pytest.raises(ckanapi.NotFound):
        await call(world, "datastore_search", resource_id=f"{water_quality}-csv")
    assert water_quality not in await call(world, "package_list")
    everything = await call(world, "package_search", rows=100, **{"facet.field": ["organization", "groups"]})
    assert water_quality not in {d["id"] for d in everything["results"]}
    assert everything["facets"]["organization"] == {str(world.water.agency_id): 1, str(world.police.agency_id): 1}
    assert everything["facets"]["groups"] == {"gove": 2}
    assert await call(world, "group_list") == ["gove"]
