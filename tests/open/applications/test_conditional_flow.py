"""Conditional open data through the gateway on the real mesh (catalogue, open-svc, gateway; PostgreSQL and Kafka):
apply to the collecting agency, its officer's answer within 10 working days on the hub's calendar, the open-use
agreement, the data key and the keyed records (A24.2, A24.3)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from open.applications.world import World

from harness import assert_problem, eventually, records_of

pytestmark = pytest.mark.integration

# GB 11643-1999's own example of a citizen identity number, and Huawei Technologies' unified social credit code as
# the Shenzhen market regulator registered it: values whose check characters the standards' authors computed.
CITIZEN = {"kind": "citizen", "name": "张三", "identifier": "11010519491231002X", "contact": "13912345678"}
COMPANY = {"kind": "legal_person", "name": "华为技术有限公司", "identifier": "914403001922038216",
           "contact": "open-data@example.com"}  # fmt: skip
RECORDS = [
    {"credit_code": "91320200MA1MXXXX0A", "company_name": "无锡甲科技有限公司", "legal_representative": "李四",
     "registered_capital": 500},
    {"credit_code": "91320200MA1MYYYY0B", "company_name": "无锡乙贸易有限公司", "legal_representative": "王五",
     "registered_capital": 1000},
]  # fmt: skip


async def apply(
    world: World, user: dict[str, str], entry_id: str, items: list[str], **overrides: Any
) -> httpx.Response:
    body = {"entry_id": entry_id, "purpose": "研究全市企业分布，编制营商环境报告", "data_format": "api",
            "items": items, "applicant": COMPANY, **overrides}  # fmt: skip
    return await world.gateway.post("/api/open/applications", json=body, headers=user)


async def applied(world: World, user: dict[str, str], entry_id: str, items: list[str]) -> dict[str, Any]:
    response = await apply(world, user, entry_id, items)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def decide(world: World, officer: dict[str, str], application_id: str, **decision: Any) -> httpx.Response:
    path = f"/api/open/applications/{application_id}/decision"
    return await world.gateway.post(path, json=decision, headers=officer)


async def agreement_in_force(world: World) -> int:
    """Publish a version of the open-use agreement (the bureau's administrator) and return its number."""
    body = {
        "title": "无锡市公共数据开放利用协议",
        "text": "第一条 申请人仅将数据用于申请所述用途。第二条 不得向第三方提供。",
    }
    response = await world.gateway.post("/api/open/agreements", json=body, headers=world.admin)
    assert response.status_code == 201, response.text
    version: int = response.json()["version"]
    return version


async def accept(world: World, user: dict[str, str], application_id: str, version: int) -> httpx.Response:
    path = f"/api/open/applications/{application_id}/agreement"
    return await world.gateway.post(path, json={"version": version}, headers=user)


async def key_for(world: World, user: dict[str, str], application_id: str) -> httpx.Response:
    return await world.gateway.post(f"/api/open/applications/{application_id}/keys", headers=user)


async def keyed(world: World, user: dict[str, str], entry_id: str, key: str | None) -> httpx.Response:
    headers = {**user, **({"x-open-data-key": key} if key is not None else {})}
    return await world.gateway.get(f"/api/open/access/{entry_id}/records", headers=headers)


async def granted_key(world: World, user: dict[str, str], entry_id: str, items: list[str]) -> str:
    """A live key: applied, approved as asked, the agreement in force accepted, the key issued."""
    application = await applied(world, user, entry_id, items)
    assert (await decide(world, world.market.officer, application["id"], decision="approve")).status_code == 200
    assert (await accept(world, user, application["id"], await agreement_in_force(world))).status_code == 201
    issued = await key_for(world, user, application["id"])
    assert issued.status_code == 201, issued.text
    key: str = issued.json()["data_key"]
    return key


async def test_apply_approve_agree_then_a_key_opens_only_the_approved_items_until_revoked_A24_2_A24_3(
    world: World,
) -> None:
    entry_id = await world.publish()
    await world.replicate(entry_id, RECORDS)
    user = await world.portal_user()
    application = await applied(world, user, entry_id, ["credit_code", "company_name", "legal_representative"])
    assert (application["state"], application["identity"]) == ("pending", COMPANY)
    assert (application["provider_agency_id"], application["working_days"]) == (world.market.id, 10)

    # The officer approves two of the three items; refusing the third needs its reasons (A24.2).
    narrowed = {"decision": "approve", "items": ["credit_code", "company_name"]}
    unexplained = assert_problem(await decide(world, world.market.officer, application["id"], **narrowed), 422)
    assert [(e["field"], e["requirement"]) for e in unexplained["errors"]] == [("reasons", "A24.2")]
    approval = await decide(world, world.market.officer, application["id"], **narrowed, reasons=["法定代表人不予开放"])
    assert approval.status_code == 200, approval.text
    assert (approval.json()["state"], approval.json()["approved_items"]) == ("approved", narrowed["items"])

    # No key before the open-use agreement is accepted (A24.3), and no records without a key.
    assert assert_problem(await key_for(world, user, application["id"]), 409)["requirement"] == "A24.3"
    assert assert_problem(await keyed(world, user, entry_id, None), 403)["requirement"] == "A24.3"

    # Only the version in force is accepted; the acceptance keeps the time, the version and the identity.
    old = await agreement_in_force(world)
    current = await agreement_in_force(world)
    stale = assert_problem(await accept(world, user, application["id"], old), 409)
    assert (stale["requirement"], stale["current_version"]) == ("A24.3", current)
    accepted = await accept(world, user, application["id"], current)
    assert accepted.status_code == 201, accepted.text
    seen_by_agency = await world.gateway.get(f"/api/open/applications/{application['id']}/agreement",
                                             headers=world.market.officer)  # fmt: skip
    assert seen_by_agency.json() == accepted.json()
    assert {k: accepted.json()[k] for k in ("agreement_version", "applicant_kind", "applicant_name",
                                            "applicant_identifier")} == {
        "agreement_version": current, "applicant_kind": "legal_person", "applicant_name": "华为技术有限公司",
        "applicant_identifier": "914403001922038216"}  # fmt: skip

    issued = await key_for(world, user, application["id"])
    assert issued.status_code == 201, issued.text
    key = issued.json()["data_key"]
    assert issued.json()["items"] == ["credit_code", "company_name"]
    # Shown once: open-svc keeps its SHA-256 digest and its first characters, never the key.
    [stored] = await world.rows("SELECT * FROM open_data_keys WHERE id = $1", uuid.UUID(issued.json()["id"]))
    assert (stored["digest"], stored["hint"]) == (hashlib.sha256(key.encode()).hexdigest(), key[:12])
    assert key not in json.dumps([str(v) for v in stored.values()])

    served = await keyed(world, user, entry_id, key)
    assert served.status_code == 200, served.text
    assert served.json()["items"] == ["credit_code", "company_name"]
    assert [r["data"] for r in served.json()["records"]] == [
        {"credit_code": r["credit_code"], "company_name": r["company_name"]} for r in RECORDS
    ]
    assert assert_problem(await keyed(world, user, entry_id, "odk_" + "x" * 43), 403)["requirement"] == "A24.3"

    revoked = await world.gateway.post(f"/api/open/keys/{issued.json()['id']}/revoke", json={"reason": "密钥泄露"},
                                       headers=user)  # fmt: skip
    assert revoked.status_code == 200, revoked.text
    assert assert_problem(await keyed(world, user, entry_id, key), 403)["requirement"] == "A24.3"
    # Its holder may have the revoked key replaced: the application's access stands.
    assert (await key_for(world, user, application["id"])).status_code == 201


async def test_the_agency_revoking_a_key_ends_the_applications_access_for_good_A24_3(world: World) -> None:
    entry_id = await world.publish()
    user = await world.portal_user()
    key = await granted_key(world, user, entry_id, ["credit_code"])
    [listed] = (await world.gateway.get(f"/api/open/applications?entry_id={entry_id}", headers=user)).json()[
        "applications"
    ]
    keys = await world.gateway.get(f"/api/open/applications/{listed['id']}/keys", headers=world.market.officer)
    [live] = keys.json()
    assert key.startswith(live["hint"])

    by_agency = await world.gateway.post(f"/api/open/keys/{live['id']}/revoke", json={"reason": "违反协议约定用途"},
                                         headers=world.market.officer)  # fmt: skip
    assert by_agency.status_code == 200, by_agency.text
    assert assert_problem(await keyed(world, user, entry_id, key), 403)["requirement"] == "A24.3"
    assert assert_problem(await key_for(world, user, listed["id"]), 409)["state"] == "revoked"


async def test_an_officer_of_another_agency_cannot_answer_nor_see_the_application_A24_2(world: World) -> None:
    entry_id = await world.publish()
    application = await applied(world, await world.portal_user(), entry_id, ["company_name"])

    assert_problem(await decide(world, world.other.officer, application["id"], decision="approve"), 404)
    assert_problem(await world.gateway.get(f"/api/open/applications/{application['id']}", headers=world.other.officer),
                   404)  # fmt: skip
    theirs = await world.gateway.get("/api/open/applications", headers=world.other.officer)
    assert application["id"] not in {a["id"] for a in theirs.json()["applications"]}
    held = await world.gateway.get(f"/api/open/applications/{application['id']}", headers=world.market.officer)
    assert (held.json()["state"], held.json()["decided_by"], [s["action"] for s in held.json()["steps"]]) == (
        "pending", None, ["apply"])  # fmt: skip


async def test_a_refusal_needs_reasons_and_the_applicant_sees_them_A24_2(world: World) -> None:
    entry_id = await world.publish()
    user = await world.portal_user()
    application = await applied(world, user, entry_id, ["company_name"])

    for reasons in ([], ["  "]):
        problem = assert_problem(await decide(world, world.market.officer, application["id"], decision="refuse",
                                              reasons=reasons), 422)  # fmt: skip
        assert (problem["requirement"], [e["field"] for e in problem["errors"]]) == ("A24.2", ["reasons"])
    refused = await decide(world, world.market.officer, application["id"], decision="refuse",
                           reasons=["申请用途与开放条件不符"])  # fmt: skip
    assert refused.status_code == 200, refused.text

    seen = (await world.gateway.get(f"/api/open/applications/{application['id']}", headers=user)).json()
    assert (seen["state"], seen["reasons"]) == ("refused", ["申请用途与开放条件不符"])
    assert [(s["action"], s["state"]) for s in seen["steps"]] == [("apply", "pending"), ("refuse", "refused")]
    again = assert_problem(await decide(world, world.market.officer, application["id"], decision="approve"), 409)
    assert again["allowed_actions"] == []


async def test_another_users_key_and_a_key_of_another_dataset_do_not_open_this_one_A24_3(world: World) -> None:
    first, second = await world.publish(), await world.publish()
    await world.replicate(first, RECORDS)
    owner, someone = await world.portal_user(), await world.portal_user()
    owners_key = await granted_key(world, owner, first, ["company_name"])
    their_own_key = await granted_key(world, someone, second, ["company_name"])

    assert (await keyed(world, owner, first, owners_key)).status_code == 200
    borrowed = assert_problem(await keyed(world, someone, first, owners_key), 403)
    assert "another account" in borrowed["detail"]
    elsewhere = assert_problem(await keyed(world, someone, first, their_own_key), 403)
    assert "another dataset" in elsewhere["detail"]


async def test_only_conditional_open_datasets_take_applications_and_the_identity_is_checked_A24_2(
    world: World,
) -> None:
    user = await world.portal_user()
    unconditional = await world.publish(open_type="unconditional", open_conditions=None)
    not_open = await world.publish(
        open_type="not_open", open_conditions=None, open_legal_basis="《中华人民共和国反垄断法》"
    )
    conditional = await world.publish()

    refused = assert_problem(await apply(world, user, unconditional, ["company_name"]), 422)
    assert (refused["requirement"], refused["errors"][0]["field"]) == ("A24.2", "entry_id")
    assert_problem(await apply(world, user, not_open, ["company_name"]), 404)
    assert_problem(await apply(world, user, str(uuid.uuid4()), ["company_name"]), 404)
    unknown = assert_problem(await apply(world, user, conditional, ["company_name", "shareholders"]), 422)
    assert [(e["field"], e["requirement"]) for e in unknown["errors"]] == [("items", "A24.2")]
    # A citizen identity number one check character off (GB 11643 gives X), and a credit code stated as a citizen's.
    for identity in ({**CITIZEN, "identifier": "110105194912310021"}, {**CITIZEN, "identifier": COMPANY["identifier"]}):
        wrong = assert_problem(await apply(world, user, conditional, ["company_name"], applicant=identity), 422)
        assert [e["field"] for e in wrong["errors"]] == ["body.applicant.identifier"]
    assert (await apply(world, user, conditional, ["company_name"], applicant=CITIZEN)).status_code == 201


async def test_filed_before_national_day_the_answer_is_due_on_the_tenth_working_day_then_announced_and_counted_A24_2(
    world: World,
) -> None:
    agency = await world.agency("无锡市统计局")
    entry_id = await world.publish(agency)
    app = world.mesh.services["open"].app
    try:
        # Wed 30 Sep 2026, 10:00 in Wuxi. 国务院办公厅关于2026年部分节假日安排的通知: National Day 1–7 October off,
        # Saturday 10 October worked. Working days after the 30th: 1 Thu 8 | 2 Fri 9 | 3 Sat 10 | 4 Mon 12 |
        # 5 Tue 13 | 6 Wed 14 | 7 Thu 15 | 8 Fri 16 | 9 Mon 19 | 10 Tue 20 October.
        app.state.clock = lambda: datetime(2026, 9, 30, 2, tzinfo=UTC)
        application = await applied(world, await world.portal_user(), entry_id, ["company_name"])
        assert (application["opened_on"], application["due_on"]) == ("2026-09-30", "2026-10-20")
        assert application["provisional"] is False

        # Fri 16 October: due within 3 working days (Mon 19, Tue 20, Wed 21): announced approaching and listed.
        app.state.clock = lambda: datetime(2026, 10, 16, 2, tzinfo=UTC)
        await eventually(lambda: announced(world, "open.application.approaching", application["id"]))
        assert await listed(world, agency.officer, "approaching") == [application["id"]]

        # Tue 20 October is the last day, still in time; on Wed 21 it is overdue: announced, listed and counted.
        app.state.clock = lambda: datetime(2026, 10, 20, 2, tzinfo=UTC)
        assert await listed(world, agency.officer, "overdue") == []
        app.state.clock = lambda: datetime(2026, 10, 21, 2, tzinfo=UTC)
        await eventually(lambda: announced(world, "open.application.overdue", application["id"]))
        assert await listed(world, agency.officer, "overdue") == [application["id"]]
        assert await listed(world, world.reviewer, "overdue", entry_id) == [application["id"]]
        counts = (await world.gateway.get("/api/open/applications/counts", headers=agency.officer)).json()
        assert counts == {agency.id: {"pending": 1, "approaching": 0, "overdue": 1, "approved": 0, "refused": 0,
                                      "decided_late": 0, "withdrawn": 0}}  # fmt: skip

        late = await decide(world, agency.officer, application["id"], decision="approve")
        assert late.json()["decided_late"] is True
        counts = (await world.gateway.get("/api/open/applications/counts", headers=world.reviewer)).json()
        assert counts[agency.id] == {"pending": 0, "approaching": 0, "overdue": 0, "approved": 1, "refused": 0,
                                     "decided_late": 1, "withdrawn": 0}  # fmt: skip
    finally:
        app.state.clock = None


async def listed(world: World, headers: dict[str, str], deadline: str, entry_id: str | None = None) -> list[str]:
    params = {"deadline": deadline, **({"entry_id": entry_id} if entry_id else {})}
    response = await world.gateway.get("/api/open/applications", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [a["id"] for a in response.json()["applications"]]


async def announced(world: World, event_type: str, application_id: str) -> bool:
    try:
        records = await records_of(world.kafka, f"{world.topic_prefix}open.events")
    except AssertionError:  # the topic is created with open-svc's first published event
        return False
    return any(
        dict(r.headers)["ce_type"] == event_type.encode() and json.loads(r.value)["application_id"] == application_id
        for r in records
        if r.value is not None
    )
