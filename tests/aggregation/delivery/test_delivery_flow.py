"""Reading an entry's records through the gateway: projection to items, filters on key items, cursor pages and
one NDJSON stream, for the responsible agency and the bureau of the region (A4.1, A21.1)."""

from __future__ import annotations

import pytest
from aggregation.centre import World, ndjson, person

from harness import assert_problem

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def entry(world: World) -> str:
    entry_id = await world.publish(world.police)
    rows = [person(n, age=20 + n) for n in range(25, 0, -1)]
    assert (await world.push(entry_id, "all", ndjson(rows), world.police.system)).json()["stored"] == 25
    return entry_id


async def test_pages_follow_the_cursor_through_every_record_in_key_order_once(world: World, entry: str) -> None:
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 10, **({"cursor": cursor} if cursor else {})}
        response = await world.records(entry, world.police.system, **params)
        assert response.status_code == 200, response.text
        page = response.json()
        seen += [r["id_number"] for r in page["records"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(person(n)["id_number"] for n in range(1, 26))


async def test_records_are_projected_to_the_items_asked_for(world: World, entry: str) -> None:
    page = (await world.records(entry, world.police.system, items="age,full_name", limit=2)).json()
    assert page["items"] == ["full_name", "age"]
    assert page["records"] == [{"full_name": "居民1", "age": 21}, {"full_name": "居民2", "age": 22}]
    wrong = await world.records(entry, world.police.system, items="age,salary")
    assert wrong.status_code == 422
    assert wrong.json()["errors"] == [{"field": "items", "message": "salary is not a data item of the entry"}]


async def test_a_filter_on_key_items_finds_the_record(world: World, entry: str) -> None:
    wanted = person(7)["id_number"]
    page = (await world.records(entry, world.police.system, **{"key.id_number": wanted})).json()
    assert [r["id_number"] for r in page["records"]] == [wanted]
    none = (await world.records(entry, world.police.system, **{"key.id_number": "nobody"})).json()
    assert none["records"] == []
    not_key = await world.records(entry, world.police.system, **{"key.full_name": "居民7"})
    assert not_key.status_code == 422
    assert not_key.json()["errors"][0]["field"] == "key.full_name"


async def test_the_ndjson_stream_carries_every_matching_record(world: World, entry: str) -> None:
    streamed = await world.all_records(entry, world.reviewer, items="id_number")
    assert streamed == [{"id_number": person(n)["id_number"]} for n in range(1, 26)]


async def test_records_are_read_by_the_responsible_agency_and_the_bureau_of_the_region_only_A4_1_A21_1(
    world: World, entry: str
) -> None:
    assert (await world.records(entry, world.reviewer)).status_code == 200
    other_agency = await world.records(entry, world.water.system)
    assert (other_agency.status_code, other_agency.json()["requirement"]) == (403, "A21.1")
    other_region = await world.records(entry, world.district_reviewer)
    assert (other_region.status_code, other_region.json()["requirement"]) == (403, "A4.1")
    assert (await world.records(entry, world.police.job)).status_code == 403


@pytest.mark.parametrize(
    ("cursor", "field"),
    [
        ("AA", "cursor"),  # NUL, which PostgreSQL text cannot hold
        ("_w", "cursor"),  # 0xff: no UTF-8 text
        ("Z2FyYmFnZQ", "cursor"),  # "garbage": text, but no record key
        ("%%%", "cursor"),  # no base64
        ("x" * 20_000, "query.cursor"),  # longer than any cursor the service gives
    ],
)
async def test_a_cursor_that_decodes_to_nul_or_garbage_is_refused_naming_the_cursor_A28_1(
    world: World, entry: str, cursor: str, field: str
) -> None:
    response = await world.records(entry, world.police.system, cursor=cursor)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
