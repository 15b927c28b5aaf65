"""What a push that does not carry every item of a record means, through the gateway: `replace` (the default)
makes each row the whole record, `merge` sets the items each row names and keeps the others (A17.1)."""

from __future__ import annotations

from typing import Any

import pytest
from aggregation.centre import PERSON_ITEMS, World, ndjson, person

from harness import assert_problem

pytestmark = pytest.mark.integration

CSV = "text/csv"
ID1, ID2, ID3 = (person(n)["id_number"] for n in (1, 2, 3))


async def stored(world: World, entry_id: str) -> dict[str, dict[str, Any]]:
    return {r["id_number"]: r for r in await world.all_records(entry_id, world.police.system)}


async def entry_with_two_people(world: World) -> str:
    entry_id = await world.publish(world.police)
    rows = [person(1, registered_on="2020-01-01"), person(2, age=50, registered_on="2021-02-02")]
    first = await world.push(entry_id, "full", ndjson(rows), world.police.system)
    assert (first.status_code, first.json()["inserted"]) == (201, 2), first.text
    return entry_id


async def test_a_replace_push_makes_each_row_the_whole_record_so_items_it_does_not_carry_have_no_value_A17_1(
    world: World,
) -> None:
    entry_id = await entry_with_two_people(world)
    csv = f"id_number,full_name,age\n{ID1},改名,31\n"
    by_csv = await world.push(entry_id, "three-columns", csv.encode(), world.police.system, CSV)
    assert (by_csv.status_code, by_csv.json()["mode"], by_csv.json()["updated"]) == (201, "replace", 1), by_csv.text
    by_ndjson = await world.push(entry_id, "two-fields", ndjson([{"id_number": ID2, "full_name": "另名"}]),
                                 world.police.system)  # fmt: skip
    assert by_ndjson.json()["updated"] == 1, by_ndjson.text
    records = await stored(world, entry_id)
    assert records[ID1] == {"id_number": ID1, "full_name": "改名", "age": 31, "registered_on": None}
    assert records[ID2] == {"id_number": ID2, "full_name": "另名", "age": None, "registered_on": None}


async def test_a_replace_row_without_a_required_item_is_quarantined_naming_it_A17_1(world: World) -> None:
    entry_id = await entry_with_two_people(world)
    response = await world.push(entry_id, "no-name", ndjson([{"id_number": ID1, "age": 40}]), world.police.system)
    report = response.json()
    assert (report["stored"], report["quarantined"]) == (0, 1)
    assert [(p["field"], p["reason"], p["requirement"]) for p in report["quarantine"][0]["problems"]] == [
        ("full_name", "required", "A17.1")
    ]
    assert (await stored(world, entry_id))[ID1]["full_name"] == "居民1"


async def test_a_csv_header_without_a_required_column_refuses_a_replace_push_naming_it_A17_1(world: World) -> None:
    entry_id = await entry_with_two_people(world)
    response = await world.push(entry_id, "no-name", f"id_number,age\n{ID1},40\n".encode(), world.police.system, CSV)
    problem = assert_problem(response, 422)
    assert [(e["field"], e["requirement"]) for e in problem["errors"]] == [("full_name", "A17.1")]
    assert "mode=merge" in problem["detail"]
    assert (await world.report(entry_id, "no-name", world.police.system)).status_code == 404
    assert (await stored(world, entry_id))[ID1]["age"] == 30


async def test_a_merge_push_sets_the_items_each_row_names_and_keeps_the_others_csv_and_ndjson_A17_1(
    world: World,
) -> None:
    entry_id = await entry_with_two_people(world)
    # An empty cell of a column the header names clears the item; a column it does not name is kept.
    csv = f"id_number,age\n{ID1},31\n{ID2},\n"
    by_csv = await world.push(entry_id, "ages", csv.encode(), world.police.system, CSV, mode="merge")
    assert by_csv.status_code == 201, by_csv.text
    assert (by_csv.json()["mode"], by_csv.json()["updated"], by_csv.json()["quarantined"]) == ("merge", 2, 0)
    records = await stored(world, entry_id)
    assert records[ID1] == {"id_number": ID1, "full_name": "居民1", "age": 31, "registered_on": "2020-01-01"}
    assert records[ID2] == {"id_number": ID2, "full_name": "居民2", "age": None, "registered_on": "2021-02-02"}

    rows = [{"id_number": ID1, "registered_on": None}, {"id_number": ID2, "full_name": "新名", "age": "x"},
            {"id_number": ID2, "full_name": "新名"}]  # fmt: skip
    by_ndjson = await world.push(entry_id, "names", ndjson(rows), world.police.system, mode="merge")
    assert (by_ndjson.json()["updated"], by_ndjson.json()["quarantined"]) == (2, 1), by_ndjson.text
    records = await stored(world, entry_id)
    assert records[ID1] == {"id_number": ID1, "full_name": "居民1", "age": 31, "registered_on": None}
    assert records[ID2] == {"id_number": ID2, "full_name": "新名", "age": None, "registered_on": "2021-02-02"}
    history = (await world.history(entry_id, world.police.system, id_number=ID2)).json()["changes"]
    assert [(c["version"], c["batch_id"]) for c in history] == [(1, "full"), (2, "ages"), (3, "names")]


async def test_a_merge_row_making_a_new_record_needs_every_required_item_A17_1(world: World) -> None:
    entry_id = await entry_with_two_people(world)
    rows = [{"id_number": ID3, "age": 5}, {"id_number": person(4)["id_number"], "full_name": "新人"}]
    response = await world.push(entry_id, "new", ndjson(rows), world.police.system, mode="merge")
    report = response.json()
    assert (report["inserted"], report["quarantined"]) == (1, 1), response.text
    assert [(p["field"], p["requirement"]) for p in report["quarantine"][0]["problems"]] == [("full_name", "A17.1")]
    assert report["quarantine"][0]["row"] == 1
    assert ID3 not in await stored(world, entry_id)
    keyless = await world.push(entry_id, "keyless", b"full_name,age\nx,1\n", world.police.system, CSV, mode="merge")
    assert [e["field"] for e in assert_problem(keyless, 422)["errors"]] == ["id_number"]


async def test_merge_is_refused_for_an_entry_whose_records_have_no_key_items_A17_1(world: World) -> None:
    items = [{**item, "key": False} for item in PERSON_ITEMS]
    entry_id = await world.publish(world.police, items=items)
    response = await world.push(entry_id, "m", ndjson([person(1)]), world.police.system, mode="merge")
    problem = assert_problem(response, 422)
    assert [(e["field"], e["requirement"]) for e in problem["errors"]] == [("mode", "A17.1")]
    unknown = await world.push(entry_id, "m", ndjson([person(1)]), world.police.system, mode="upsert")
    assert [e["field"] for e in assert_problem(unknown, 422)["errors"]] == ["query.mode"]


async def test_a_batch_id_retried_in_the_other_mode_is_a_conflict_not_a_replay_A17_1(world: World) -> None:
    entry_id = await entry_with_two_people(world)
    body = ndjson([{"id_number": ID1, "age": 33}])
    first = await world.push(entry_id, "once", body, world.police.system, mode="merge")
    assert first.status_code == 201, first.text
    same = await world.push(entry_id, "once", body, world.police.system, mode="merge")
    assert (same.status_code, same.json()["replayed"], same.json()["mode"]) == (200, True, "merge")
    other = await world.push(entry_id, "once", body, world.police.system)
    assert assert_problem(other, 409)["requirement"] == "A17.1"
    assert (await stored(world, entry_id))[ID1]["full_name"] == "居民1"
