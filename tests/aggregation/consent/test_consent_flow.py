"""Consent records through the gateway: data of a consent-required entry rests on a valid consent, and a revoked
consent takes its records out of every later delivery (A16.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aggregation.centre import World, consent_body, ndjson, person, record_consent

from harness import eventually, records_of
from hub.events import EventEnvelope

pytestmark = pytest.mark.integration


async def test_a_consent_must_record_what_the_subject_was_told_and_cover_the_agencys_own_entries_A16_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police, consent_required=True)
    blank = await world.gateway.post(
        "/api/aggregation/consents", json=consent_body(entry_id, purpose=" ", correction_channel=""),
        headers=world.police.system,
    )  # fmt: skip
    assert blank.status_code == 422
    assert {(e["field"], e["requirement"]) for e in blank.json()["errors"]} == {
        ("purpose", "A16.1"), ("correction_channel", "A16.1"),
    }  # fmt: skip
    water_entry = await world.publish(world.water)
    foreign = await world.gateway.post(
        "/api/aggregation/consents", json=consent_body(water_entry), headers=world.police.system
    )
    assert foreign.status_code == 422
    assert foreign.json()["requirement"] == "A15.2"


async def test_data_of_a_consent_required_entry_is_stored_only_with_a_valid_consent_A16_1(world: World) -> None:
    entry_id = await world.publish(world.police, consent_required=True)
    consent_id = await record_consent(world, entry_id)
    assert (await world.gateway.get(f"/api/aggregation/consents/{consent_id}", headers=world.police.system)).json()[
        "holds"
    ]
    expired = await record_consent(
        world, entry_id, given_at=(datetime.now(UTC) - timedelta(days=30)).isoformat(),
        expires_at=(datetime.now(UTC) - timedelta(days=1)).isoformat(),
    )  # fmt: skip
    rows = [
        person(1, _consent_id=consent_id),
        person(2),
        person(3, _consent_id=str(uuid.uuid4())),
        person(4, _consent_id=expired),
        person(5, _consent_id="not an id"),
    ]
    report = (await world.push(entry_id, "with-consent", ndjson(rows), world.police.system)).json()
    assert (report["stored"], report["quarantined"]) == (1, 4)
    assert {(p["field"], p["requirement"]) for q in report["quarantine"] for p in q["problems"]} == {
        ("_consent_id", "A16.1")
    }
    stored = await world.all_records(entry_id, world.police.system)
    assert [r["id_number"] for r in stored] == [person(1)["id_number"]]
    assert "_consent_id" not in stored[0]


async def test_a_revoked_consent_removes_its_records_from_every_later_delivery_A16_1(world: World) -> None:
    entry_id = await world.publish(world.police, consent_required=True)
    kept, revoked = await record_consent(world, entry_id), await record_consent(world, entry_id)
    rows = [person(1, _consent_id=kept), person(2, _consent_id=revoked), person(3, _consent_id=revoked)]
    assert (await world.push(entry_id, "b1", ndjson(rows), world.police.system)).json()["stored"] == 3
    assert len(await world.all_records(entry_id, world.police.system)) == 3
    path = f"/api/aggregation/consents/{revoked}/revoke"
    assert (await world.gateway.post(path, json={"reason": "x"}, headers=world.water.system)).status_code == 403
    response = await world.gateway.post(path, json={"reason": "本人申请撤回"}, headers=world.police.system)
    assert response.status_code == 200, response.text
    assert (response.json()["holds"], response.json()["revocation_reason"]) == (False, "本人申请撤回")
    again = await world.gateway.post(path, json={"reason": "again"}, headers=world.police.system)
    assert again.json()["revoked_at"] == response.json()["revoked_at"]
    assert [r["id_number"] for r in await world.all_records(entry_id, world.police.system)] == [person(1)["id_number"]]
    page = (await world.records(entry_id, world.reviewer)).json()
    assert [r["id_number"] for r in page["records"]] == [person(1)["id_number"]]
    history = (await world.history(entry_id, world.police.system, id_number=person(2)["id_number"])).json()
    assert [c["operation"] for c in history["changes"]] == ["inserted", "withdrawn"]
    later = await world.push(entry_id, "b2", ndjson([person(4, _consent_id=revoked)]), world.police.system)
    assert later.json()["quarantined"] == 1

    async def announced() -> list[dict[str, Any]]:
        records = await records_of(world.kafka, f"{world.topic_prefix}aggregation.events")
        envelopes = [EventEnvelope.from_kafka(r.headers, r.value) for r in records]
        return [e.data for e in envelopes if e.type == "aggregation.consent.revoked" and e.subject == revoked]

    (event,) = await eventually(announced)
    assert (event["records_withdrawn"], event["entry_ids"]) == (2, [entry_id])


async def test_a_consent_is_read_by_its_agency_and_the_bureau_of_its_region_A4_1(world: World) -> None:
    entry_id = await world.publish(world.police, consent_required=True)
    consent_id = await record_consent(world, entry_id)
    path = f"/api/aggregation/consents/{consent_id}"
    assert (await world.gateway.get(path, headers=world.police.system)).status_code == 200
    assert (await world.gateway.get(path, headers=world.reviewer)).json()["purpose"] == "办理居住证"
    assert (await world.gateway.get(path, headers=world.district_reviewer)).json()["requirement"] == "A4.1"
    assert (await world.gateway.get(path, headers=world.water.system)).status_code == 403
    admin_revokes = await world.gateway.post(f"{path}/revoke", json={}, headers=world.admin)
    assert (admin_revokes.status_code, admin_revokes.json()["holds"]) == (200, False)
