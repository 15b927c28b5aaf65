"""Pushing data to the big data centre through the gateway, on real PostgreSQL and Kafka: validation and
quarantine, idempotent batches, upsert by key with history, and the refusals (A15.1, A15.2, A17.1)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from aggregation.centre import World, ndjson, person

from harness import eventually, records_of
from hub.events import EventEnvelope

pytestmark = pytest.mark.integration


def problems(report: dict[str, Any]) -> dict[int, set[tuple[str, str]]]:
    """Quarantined rows as {row: {(field, requirement)}}."""
    return {q["row"]: {(p["field"], p["requirement"]) for p in q["problems"]} for q in report["quarantine"]}


async def events(world: World, event_type: str) -> list[dict[str, Any]]:
    records = await records_of(world.kafka, f"{world.topic_prefix}aggregation.events")
    envelopes = [EventEnvelope.from_kafka(r.headers, r.value) for r in records]
    return [e.data for e in envelopes if e.type == event_type]


async def test_a_batch_of_mixed_rows_stores_exactly_the_valid_ones_and_quarantines_the_rest_with_reasons_A17_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police)
    rows = [
        person(1),
        person(2, full_name=None),  # a required item missing
        person(3, age="thirty"),  # not an integer
        person(4, full_name="一个非常非常长的名字啊"),  # longer than 10 characters
        person(5, registered_on="2024-01-31"),
    ]
    body = ndjson(rows)[:-1] + b"\n\nnot json\n"
    response = await world.push(entry_id, "b-1", body, world.police.system)
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["received"], report["stored"], report["inserted"], report["quarantined"]) == (6, 2, 2, 4)
    assert problems(report) == {
        2: {("full_name", "A17.1")}, 3: {("age", "A17.1")}, 4: {("full_name", "A17.1")}, 6: {("row", "A17.1")},
    }  # fmt: skip
    reasons = {q["row"]: q["problems"][0]["reason"] for q in report["quarantine"]}
    assert reasons[2] == "required"
    assert reasons[4] == "longer than 10 characters"
    assert json.loads(report["quarantine"][0]["raw"])["id_number"] == person(2)["id_number"]
    fetched = await world.report(entry_id, "b-1", world.police.system)
    assert fetched.status_code == 200
    assert {k: v for k, v in fetched.json().items() if k != "replayed"} == {
        k: v for k, v in report.items() if k != "replayed"
    }
    stored = await world.all_records(entry_id, world.police.system)
    assert stored == [
        {"id_number": person(1)["id_number"], "full_name": "居民1", "age": 30, "registered_on": None},
        {"id_number": person(5)["id_number"], "full_name": "居民5", "age": 30, "registered_on": "2024-01-31"},
    ]
    ingested = await eventually(lambda: _about(world, "aggregation.batch.ingested", entry_id))
    assert (ingested[0]["stored"], ingested[0]["quarantined"], ingested[0]["channel"]) == (2, 4, "http")
    quarantined = await eventually(lambda: _about(world, "aggregation.rows.quarantined", entry_id))
    assert {(c["field"], c["rows"]) for c in quarantined[0]["by_problem"]} == {("full_name", 2), ("age", 1), ("row", 1)}


async def _about(world: World, event_type: str, entry_id: str) -> list[dict[str, Any]]:
    return [e for e in await events(world, event_type) if e["entry_id"] == entry_id]


async def test_the_report_pages_through_its_quarantined_rows(world: World) -> None:
    entry_id = await world.publish(world.police)
    body = ndjson([person(n, age=-1000) for n in range(1, 8)])
    assert (await world.push(entry_id, "bad", body, world.police.system)).json()["quarantined"] == 7
    first = (await world.report(entry_id, "bad", world.police.system, limit=5)).json()
    assert [q["row"] for q in first["quarantine"]] == [1, 2, 3, 4, 5]
    rest = (await world.report(entry_id, "bad", world.police.system, after=first["next_quarantine_after"])).json()
    assert [q["row"] for q in rest["quarantine"]] == [6, 7]
    assert rest["next_quarantine_after"] is None


async def test_a_retried_batch_id_has_no_second_effect_and_answers_with_the_first_result_A17_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    body = ndjson([person(1), person(2), person(3, age="x")])
    first = await world.push(entry_id, "retry-me", body, world.police.system)
    assert first.status_code == 201
    again = await world.push(entry_id, "retry-me", body, world.police.system)
    assert again.status_code == 200
    assert again.json()["replayed"] is True
    for field in ("received", "stored", "inserted", "updated", "quarantined", "finished_at", "content_sha256"):
        assert again.json()[field] == first.json()[field]
    history = await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=uuid.UUID(entry_id))
    assert history == [(2,)]
    other = await world.push(entry_id, "retry-me", ndjson([person(9)]), world.police.system)
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/conflict"
    assert len(await world.all_records(entry_id, world.police.system)) == 2


async def test_records_upsert_by_key_and_each_keeps_its_history_of_batch_agency_and_time_A17_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    first = await world.push(entry_id, "day-1", ndjson([person(1), person(2)]), world.police.system)
    assert first.json()["inserted"] == 2
    csv = f"id_number,full_name,age\n{person(1)['id_number']},改名,31\n{person(3)['id_number']},居民3,\n"
    second = await world.push(entry_id, "day-2", csv.encode(), world.police.job, "text/csv")
    assert second.status_code == 201, second.text
    assert (second.json()["inserted"], second.json()["updated"], second.json()["format"]) == (1, 1, "csv")
    stored = {r["id_number"]: r for r in await world.all_records(entry_id, world.police.system)}
    assert len(stored) == 3
    assert (stored[person(1)["id_number"]]["full_name"], stored[person(1)["id_number"]]["age"]) == ("改名", 31)
    history = await world.history(entry_id, world.police.system, id_number=person(1)["id_number"])
    assert history.status_code == 200, history.text
    changes = history.json()["changes"]
    assert [(c["operation"], c["version"], c["batch_id"], c["row_number"]) for c in changes] == [
        ("inserted", 1, "day-1", 1), ("updated", 2, "day-2", 1),
    ]  # fmt: skip
    assert {c["agency_id"] for c in changes} == {world.police.id}
    assert changes[0]["recorded_at"] < changes[1]["recorded_at"]
    assert history.json()["current"]["full_name"] == "改名"


async def test_a_key_pushed_twice_in_one_batch_is_applied_in_order(world: World) -> None:
    entry_id = await world.publish(world.police)
    rows = [person(1, full_name="先"), person(2), person(1, full_name="后")]
    report = (await world.push(entry_id, "twice", ndjson(rows), world.police.system)).json()
    assert (report["stored"], report["inserted"], report["updated"]) == (3, 2, 1)
    stored = {r["id_number"]: r["full_name"] for r in await world.all_records(entry_id, world.police.system)}
    assert stored[person(1)["id_number"]] == "后"


async def test_records_sent_as_ndjson_lines_of_any_spacing_and_escapes_are_stored_as_their_values_A17_1(
    world: World,
) -> None:
    # Every row valid and carrying every item, so the chunk takes the bulk check (RecordRules.validate_all). What
    # is stored must be the values the lines mean as Python's json reads them, however written: spaces, another
    # key order, \u escapes, an escaped solidus, CRLF line ends, a name given twice (the last wins).
    entry_id = await world.publish(world.police)
    lines = [
        b'{ "registered_on" : "2024-01-31" ,"age":30,  "full_name":"\\u5c45\\u6c111",'
        b' "id_number":"320200199000000001"}\r',
        '{"id_number":"320200199000000002","full_name":"居民\\/2","age":41,"registered_on":"2024-02-01"}'.encode(),
        b'\t{"id_number": "320200199000000003", "full_name": "A \\"q\\" \\\\", "age": 7, "age": 8,'
        b' "registered_on": "2024-03-01"}  \r',
    ]
    body = b"\n".join(lines) + b"\n"
    report = (await world.push(entry_id, "spaced", body, world.police.system)).json()
    assert (report["stored"], report["quarantined"]) == (3, 0), report
    expected = sorted((json.loads(line) for line in lines), key=lambda r: r["id_number"])
    stored = sorted(await world.all_records(entry_id, world.police.system), key=lambda r: r["id_number"])
    assert stored == expected
    assert [r["full_name"] for r in stored] == ["居民1", "居民/2", 'A "q" \\']


async def test_a_json_array_batch_is_validated_like_any_other(world: World) -> None:
    entry_id = await world.publish(world.police)
    body = json.dumps([person(1), person(2, age=1.5), "not a record"]).encode()
    report = (await world.push(entry_id, "json", body, world.police.system, "application/json")).json()
    assert (report["stored"], report["quarantined"], report["format"]) == (1, 2, "json")
    broken = await world.push(entry_id, "json-2", b'[{"id_number": "1", ', world.police.system, "application/json")
    assert broken.status_code == 400
    assert broken.headers["content-type"] == "application/problem+json"
    unsupported = await world.push(entry_id, "xml", b"<records/>", world.police.system, "application/xml")
    assert unsupported.status_code == 415


async def test_data_for_an_entry_that_is_not_published_is_refused_A15_1(world: World) -> None:
    draft = await world.gateway.post(
        "/api/catalog/entries",
        json={"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": world.police.region_code,
              "provider_agency_id": world.police.id, "name": "草稿"},
        headers=world.police.system,
    )  # fmt: skip
    response = await world.push(draft.json()["id"], "b", ndjson([person(1)]), world.police.system)
    assert response.status_code == 422
    assert (response.json()["type"], response.json()["requirement"]) == ("/problems/rule-violation", "A15.1")
    entry_id = await world.publish(world.police)
    retired = await world.gateway.post(f"/api/catalog/entries/{entry_id}/retire", headers=world.police.system)
    assert retired.status_code == 200

    async def refused() -> bool:
        response = await world.push(entry_id, "after-retire", ndjson([person(1)]), world.police.system)
        return response.status_code == 422 and response.json()["requirement"] == "A15.1"

    await eventually(refused)


async def test_an_item_the_entry_does_not_declare_refuses_the_whole_batch_A15_1(world: World) -> None:
    entry_id = await world.publish(world.police)
    body = ndjson([person(1), person(2), {**person(3), "salary": 9000}])
    response = await world.push(entry_id, "extra", body, world.police.system)
    assert response.status_code == 422
    problem = response.json()
    assert problem["requirement"] == "A15.1"
    assert problem["errors"] == [{"field": "salary", "message": "row 3: not a declared data item of the entry",
                                  "requirement": "A15.1"}]  # fmt: skip
    assert (await world.report(entry_id, "extra", world.police.system)).status_code == 404
    assert await world.all_records(entry_id, world.police.system) == []
    header = b"id_number,full_name,salary\n1,a,2\n"
    csv = await world.push(entry_id, "extra-csv", header, world.police.system, "text/csv")
    assert csv.status_code == 422
    assert [e["field"] for e in csv.json()["errors"]] == ["salary"]
    # Refused, it had no effect: the same id may carry the corrected batch.
    fixed = await world.push(entry_id, "extra", ndjson([person(1), person(2), person(3)]), world.police.system)
    assert (fixed.status_code, fixed.json()["stored"]) == (201, 3)


async def test_only_the_entrys_responsible_agency_pushes_its_data_A15_2(world: World) -> None:
    entry_id = await world.publish(world.police)
    other = await world.push(entry_id, "b", ndjson([person(1)]), world.water.system)
    assert other.status_code == 403
    assert other.json()["requirement"] == "A15.2"
    other_job = await world.push(entry_id, "b", ndjson([person(1)]), world.water.job)
    assert other_job.status_code == 403
    reviewer = await world.push(entry_id, "b", ndjson([person(1)]), world.reviewer)
    assert reviewer.status_code == 403
    own_job = await world.push(entry_id, "b", ndjson([person(1)]), world.police.job)
    assert own_job.status_code == 201
    assert (await world.report(entry_id, "b", world.water.system)).status_code == 403
    assert (await world.report(entry_id, "b", world.reviewer)).status_code == 200
    assert (await world.report(entry_id, "b", world.district_reviewer)).json()["requirement"] == "A4.1"
