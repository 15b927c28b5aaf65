"""Text a client pushes that PostgreSQL cannot hold, and numbers beyond its range, through the gateway: each is
refused or quarantined naming the field, never answered with a 5xx (A15.1, A17.1, A28.1)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aggregation.centre import World, ndjson, person

from harness import assert_problem

pytestmark = pytest.mark.integration

ID1, ID2, ID3 = (person(n)["id_number"] for n in (1, 2, 3))


def quarantined(report: dict[str, Any]) -> dict[int, list[tuple[str, str]]]:
    return {q["row"]: [(p["field"], p["requirement"]) for p in q["problems"]] for q in report["quarantine"]}


async def test_nul_and_lone_surrogates_in_pushed_values_quarantine_the_row_naming_the_item_A17_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police)
    # JSON escapes, as a client's JSON library writes them: \u0000 decodes to NUL, \ud800 to a lone surrogate.
    lines = [
        f'{{"id_number": "{ID1}", "full_name": "a\\u0000b"}}',
        f'{{"id_number": "{ID2}", "full_name": "\\ud800"}}',
        '{"id_number": "a\\u0000", "full_name": "x"}',
        json.dumps(person(3)),
    ]
    by_ndjson = await world.push(entry_id, "ndjson", "\n".join(lines).encode(), world.police.system)
    assert by_ndjson.status_code == 201, by_ndjson.text
    assert quarantined(by_ndjson.json()) == {
        1: [("full_name", "A17.1")], 2: [("full_name", "A17.1")], 3: [("id_number", "A17.1")],
    }  # fmt: skip
    assert by_ndjson.json()["quarantine"][0]["raw"].startswith('{"id_number"')

    csv = f"id_number,full_name\n{ID1},a\x00b\n{ID2},fine\n".encode()
    by_csv = await world.push(entry_id, "csv", csv, world.police.system, "text/csv")
    assert (by_csv.status_code, quarantined(by_csv.json())) == (201, {1: [("full_name", "A17.1")]}), by_csv.text
    array = f'[{{"id_number": "{ID1}", "full_name": "\\u0000"}}]'.encode()
    by_array = await world.push(entry_id, "array", array, world.police.system, "application/json")
    assert (by_array.status_code, quarantined(by_array.json())) == (201, {1: [("full_name", "A17.1")]})
    assert [r["id_number"] for r in await world.all_records(entry_id, world.police.system)] == [ID2, ID3]


async def test_other_control_characters_are_stored_and_delivered_as_sent_A17_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    name = "a\tb\x01\x1b\x7f"
    response = await world.push(entry_id, "controls", ndjson([person(1, full_name=name)]), world.police.system)
    assert response.json()["stored"] == 1, response.text
    assert [r["full_name"] for r in await world.all_records(entry_id, world.police.system)] == [name]


async def test_field_names_holding_nul_or_a_lone_surrogate_refuse_the_batch_naming_them_escaped_A15_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police)
    body = f'{{"id_number": "{ID1}", "full_name": "x", "\\u0000": 1, "\\ud800": 2}}\n'.encode()
    response = await world.push(entry_id, "names", body, world.police.system)
    problem = assert_problem(response, 422)
    assert [(e["field"], e["requirement"]) for e in problem["errors"]] == [("\\u0000", "A15.1"), ("\\ud800", "A15.1")]
    header = await world.push(entry_id, "header", b"id_number,full\x00name\n1,x\n", world.police.system, "text/csv")
    assert [e["field"] for e in assert_problem(header, 422)["errors"]] == ["full\\u0000name"]


@pytest.mark.parametrize("charset", ["base64", "rot13", "undefined"])
async def test_a_charset_that_is_no_character_set_is_an_unsupported_media_type_A28_1(
    world: World, charset: str
) -> None:
    entry_id = await world.publish(world.police)
    response = await world.push(entry_id, "b", b"id_number,full_name\n1,x\n", world.police.system,
                                f"text/csv; charset={charset}")  # fmt: skip
    assert assert_problem(response, 415)["type"] == "/problems/unsupported-media-type"


@pytest.mark.parametrize("after", [2**31, 2**63, 10**20])
async def test_paging_a_report_beyond_the_range_of_row_numbers_is_refused_naming_after_A28_1(
    world: World, after: int
) -> None:
    entry_id = await world.publish(world.police)
    assert (await world.push(entry_id, "b", ndjson([person(1, age="x")]), world.police.system)).status_code == 201
    response = await world.report(entry_id, "b", world.police.system, after=after)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["query.after"]
    last = await world.report(entry_id, "b", world.police.system, after=2**31 - 1)
    assert (last.status_code, last.json()["quarantine"]) == (200, [])


async def test_the_openapi_states_every_bound_a_client_can_hit_A28_1(world: World) -> None:
    async with world.mesh.client("aggregation") as service:
        document = (await service.get("/openapi.json")).json()

    def parameter(path: str, method: str, name: str) -> dict[str, Any]:
        (found,) = [p for p in document["paths"][path][method]["parameters"] if p["name"] == name]
        schema: dict[str, Any] = found["schema"]
        first: dict[str, Any] = schema.get("anyOf", [schema])[0]
        return first

    report = "/entries/{entry_id}/batches/{batch_id}"
    assert (parameter(report, "get", "after")["minimum"], parameter(report, "get", "after")["maximum"]) == (
        0,
        2**31 - 1,
    )
    assert parameter(report, "get", "batch_id")["pattern"]
    assert parameter(report, "post", "mode")["enum"] == ["replace", "merge"]
    assert parameter("/entries/{entry_id}/records", "get", "cursor")["maxLength"] == 16 * 1024
    assert parameter("/entries/{entry_id}/records", "get", "limit")["maximum"] == 1000
    assert parameter("/quality/regions/{region_code}", "get", "region_code")["pattern"] == "^[0-9]{6}$"
