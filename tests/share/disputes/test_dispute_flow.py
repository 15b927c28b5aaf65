"""Disputes over refused applications walked through the gateway on the real mesh (A20.3): raised by the refused
applicant only, coordinated by the bureau of the application's region with dated and attributed notes, decided
by it (upheld: the application is granted and its grant issued; dismissed: the refusal stands), or escalated to the
region's government and its decision recorded by an administrator of the region (A4.1). Every illegal step is a
409 naming what the dispute allows."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from share.disputes.world import T0, Sharing, sharing_world, subject
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from harness import Infra, Keys, assert_problem, eventually, records_of
from hub.db import async_url
from share_svc.applications.lifecycle import ApplicationAction
from share_svc.applications.steps import Actor, take_step
from share_svc.disputes import repository
from share_svc.disputes.service import lapse_dispute

pytestmark = pytest.mark.integration

STATEMENT = "申请人依《社会救助暂行办法》第十一条负有核对参保状态的职责，拒绝理由不成立。"
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
async def running(infra: Infra, keys: Keys) -> AsyncIterator[Sharing]:
    async with sharing_world(infra, keys) as world:
        yield world


@pytest.fixture
def world(running: Sharing) -> Sharing:
    """The module's world, its clock back at T0: each test makes its own entries and applications."""
    running.clock.at(T0)
    return running


async def _post(world: Sharing, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return await world.gateway.post(f"/api/share{path}", json=body, headers=headers)


async def _raised(world: Sharing, application_id: str) -> dict[str, Any]:
    raised = await _post(world, f"/applications/{application_id}/disputes", {"statement": STATEMENT},
                         world.consumer.system)  # fmt: skip
    assert raised.status_code == 201, raised.text
    dispute: dict[str, Any] = raised.json()
    return dispute


def _assert_illegal(response: httpx.Response, state: str, allowed: set[str]) -> None:
    problem = assert_problem(response, 409)
    assert problem["type"] == "/problems/illegal-transition"
    assert problem["state"] == state
    assert set(problem["allowed_actions"]) == allowed


async def _events(world: Sharing, kind: str, key: str, value: str) -> list[dict[str, Any]]:
    topic = f"{world.mesh.services['share'].app.state.settings.kafka_topic_prefix}share.events"
    found = []
    for record in await records_of(world.mesh.services["share"].app.state.settings.kafka_bootstrap_servers, topic):
        headers = {name: raw.decode() for name, raw in record.headers}
        body = json.loads(record.value)
        if headers.get("ce_type") == kind and body.get(key) == value:
            found.append(body)
    return found


async def test_only_the_refused_applicant_raises_a_dispute_and_only_over_a_refusal_A20_3(world: Sharing) -> None:
    entry = await world.entry(world.provider)
    refused = await world.refused(entry)
    path = f"/applications/{refused}/disputes"

    # Another agency learns nothing of the application; the provider knows it but may not dispute its own refusal.
    assert_problem(await _post(world, path, {"statement": STATEMENT}, world.other.system), 404)
    assert_problem(await _post(world, path, {"statement": STATEMENT}, world.other.officer), 404)
    problem = assert_problem(await _post(world, path, {"statement": STATEMENT}, world.provider.officer), 403)
    assert problem["requirement"] == "A20.3"
    assert_problem(await _post(world, f"/applications/{uuid.uuid4()}/disputes", {"statement": STATEMENT},
                               world.consumer.system), 404)  # fmt: skip
    # The bureau does not raise disputes; an inspector only reads (A34.1).
    for operator in (world.reviewer, world.admin, world.inspector):
        assert_problem(await _post(world, path, {"statement": STATEMENT}, operator), 403)
    # A statement is required, and not blank.
    for body in ({}, {"statement": ""}, {"statement": "   "}, {"statement": "x" * 4001}):
        assert_problem(await _post(world, path, body, world.consumer.system), 422)

    # An application still under review, or granted, has no refusal to dispute: 409 naming what it allows.
    pending = await world.apply(entry)
    _assert_illegal(await _post(world, f"/applications/{pending}/disputes", {"statement": STATEMENT},
                                world.consumer.officer), "requested",
                    {"provider_approve", "provider_refuse", "bureau_approve", "bureau_refuse", "withdraw",
                     "grant_unconditionally", "terminate"})  # fmt: skip
    await world.review(pending, "provider", "approve", world.provider.officer)
    await world.review(pending, "bureau", "approve", world.reviewer)
    _assert_illegal(await _post(world, f"/applications/{pending}/disputes", {"statement": STATEMENT},
                                world.consumer.system), "granted", set())  # fmt: skip

    # The consumer's officer raises it: the application is disputed, and once only.
    world.clock.at(T0 + 3 * HOUR)
    raised = await _post(world, path, {"statement": STATEMENT}, world.consumer.officer)
    assert raised.status_code == 201, raised.text
    dispute = raised.json()
    assert (dispute["state"], dispute["statement"], dispute["application_id"]) == ("open", STATEMENT, refused)
    assert (dispute["consumer_agency_id"], dispute["provider_agency_id"]) == (world.consumer.id, world.provider.id)
    assert (dispute["raised_by"], dispute["raised_at"]) == (subject(world.consumer.officer), "2026-03-02T04:00:00Z")
    assert [(s["action"], s["state"], s["actor"], s["text"]) for s in dispute["steps"]] == [
        ("raise", "open", subject(world.consumer.officer), STATEMENT)
    ]
    assert (await world.application(refused))["state"] == "disputed"
    _assert_illegal(await _post(world, path, {"statement": STATEMENT}, world.consumer.system), "disputed",
                    {"uphold", "dismiss", "terminate"})  # fmt: skip


async def test_the_bureau_notes_and_upholds_a_dispute_and_the_application_is_granted_A20_3(world: Sharing) -> None:
    entry = await world.entry(world.provider)
    refused = await world.refused(entry)
    world.clock.at(T0 + 24 * HOUR)
    dispute = await _raised(world, refused)
    url = f"/disputes/{dispute['id']}"

    # Coordination notes, each dated on the service's clock and attributed to the operator who wrote it.
    world.clock.at(T0 + 26 * HOUR)
    noted = await _post(world, f"{url}/notes", {"text": "已听取人社局意见：担心用途扩大。"}, world.reviewer)
    assert noted.status_code == 200, noted.text
    world.clock.at(T0 + 27 * HOUR)
    noted = await _post(world, f"{url}/notes", {"text": "民政局承诺仅用于低保核对。"}, world.admin)
    assert noted.status_code == 200, noted.text
    assert noted.json()["state"] == "open"
    # Only the bureau of the region writes notes: not an inspector, not the parties.
    for headers in (world.inspector, world.consumer.system, world.provider.officer):
        assert_problem(await _post(world, f"{url}/notes", {"text": "…"}, headers), 403)
    assert_problem(await _post(world, f"{url}/notes", {"text": "…"}, world.district_reviewer), 403)

    # A decision states its reasons (A20.3) and a risk level (A29.1).
    for reasons in ([], ["", "  "]):
        body = {"outcome": "upheld", "reasons": reasons, "risk_level": "medium"}
        problem = assert_problem(await _post(world, f"{url}/decision", body, world.reviewer), 422)
        assert problem["requirement"] == "A20.3"
        assert [e["field"] for e in problem["errors"]] == ["body.reasons"]
    no_risk = await _post(world, f"{url}/decision", {"outcome": "upheld", "reasons": ["理由"]}, world.reviewer)
    assert "body.risk_level" in [e["field"] for e in assert_problem(no_risk, 422)["errors"]]
    bad_outcome = {"outcome": "granted", "reasons": ["理由"], "risk_level": "low"}
    assert_problem(await _post(world, f"{url}/decision", bad_outcome, world.reviewer), 422)
    # A district's bureau does not decide the city's disputes (A4.1).
    upheld = {"outcome": "upheld", "reasons": ["用途限于法定职责，风险可控"], "risk_level": "medium"}
    problem = assert_problem(await _post(world, f"{url}/decision", upheld, world.district_admin), 403)
    assert problem["requirement"] == "A4.1"

    world.clock.at(T0 + 30 * HOUR)
    decided = await _post(world, f"{url}/decision", upheld, world.reviewer)
    assert decided.status_code == 200, decided.text
    done = decided.json()
    assert (done["state"], done["outcome"], done["decided_by_kind"]) == ("decided", "upheld", "bureau")
    assert (done["decided_by"], done["decided_at"]) == (subject(world.reviewer), "2026-03-03T07:00:00Z")
    assert (done["reasons"], done["risk_level"]) == (["用途限于法定职责，风险可控"], "medium")
    assert [(s["action"], s["state_before"], s["state"], s["actor"], s["at"]) for s in done["steps"]] == [
        ("raise", None, "open", subject(world.consumer.system), "2026-03-03T01:00:00Z"),
        ("note", "open", "open", subject(world.reviewer), "2026-03-03T03:00:00Z"),
        ("note", "open", "open", subject(world.admin), "2026-03-03T04:00:00Z"),
        ("decide", "open", "decided", subject(world.reviewer), "2026-03-03T07:00:00Z"),
    ]
    assert [s["text"] for s in done["steps"][1:3]] == ["已听取人社局意见：担心用途扩大。", "民政局承诺仅用于低保核对。"]
    assert done["steps"][3]["outcome"] == "upheld"

    # The application is granted, and the grant binds what was applied for (A21.1).
    application = await world.application(refused)
    assert application["state"] == "granted"
    grant = await world.gateway.get(f"/api/share/grants/{done['grant_id']}", headers=world.consumer.system)
    assert grant.status_code == 200, grant.text
    assert (grant.json()["application_id"], sorted(grant.json()["items"])) == (refused, ["full_name", "insured"])
    issued = await eventually(lambda: _events(world, "share.grant.issued", "application_id", refused))
    assert [event["grant_id"] for event in issued] == [done["grant_id"]]

    async def all_four_stepped() -> list[dict[str, Any]]:
        stepped = await _events(world, "share.dispute.stepped", "dispute_id", dispute["id"])
        return stepped if len(stepped) >= 4 else []

    stepped = await eventually(all_four_stepped)
    assert [(e["action"], e["state"], e["outcome"]) for e in stepped] == [
        ("raise", "open", None), ("note", "open", None), ("note", "open", None), ("decide", "decided", "upheld")
    ]  # fmt: skip

    # A decided dispute is final: every further step is a 409 naming nothing allowed.
    later: list[tuple[str, dict[str, Any], dict[str, str]]] = [
        ("notes", {"text": "补充"}, world.reviewer),
        ("decision", upheld, world.reviewer),
        ("escalation", {"authority": "无锡市人民政府", "reasons": ["重大分歧"]}, world.reviewer),
        ("government-decision", {"outcome": "dismissed", "authority": "无锡市人民政府",
                                 "reference": "锡政复〔2026〕1号", "decided_on": "2026-03-03", "reasons": ["理由"],
                                 "risk_level": "low"}, world.admin),
    ]  # fmt: skip
    for action, body, headers in later:
        _assert_illegal(await _post(world, f"{url}/{action}", body, headers), "decided", set())


async def test_a_dismissed_dispute_lets_the_refusal_stand_for_good_A20_3(world: Sharing) -> None:
    entry = await world.entry(world.provider)
    refused = await world.refused(entry)
    dispute = await _raised(world, refused)
    dismissed = {"outcome": "dismissed", "reasons": ["申请用途超出法定职责"], "risk_level": "high"}
    decided = await _post(world, f"/disputes/{dispute['id']}/decision", dismissed, world.admin)
    assert decided.status_code == 200, decided.text
    assert (decided.json()["outcome"], decided.json()["grant_id"], decided.json()["risk_level"]) == (
        "dismissed", None, "high")  # fmt: skip
    application = await world.application(refused)
    assert (application["state"], application["grant"]) == ("dispute_dismissed", None)
    # Disputed once: the refusal stands, and cannot be disputed again.
    again = await _post(world, f"/applications/{refused}/disputes", {"statement": STATEMENT}, world.consumer.system)
    _assert_illegal(again, "dispute_dismissed", set())


async def test_an_escalated_dispute_is_decided_by_the_government_recorded_by_the_regions_administrator_A20_3_A4_1(
    world: Sharing,
) -> None:
    entry = await world.entry(world.provider)
    refused = await world.refused(entry)
    world.clock.at(T0 + 24 * HOUR)
    dispute = await _raised(world, refused)
    url = f"/disputes/{dispute['id']}"

    escalation = {"authority": "无锡市人民政府", "reasons": ["两部门对法定职责范围存在重大分歧"]}
    problem = assert_problem(await _post(world, f"{url}/escalation", {**escalation, "reasons": [" "]}, world.reviewer),
                             422)  # fmt: skip
    assert problem["requirement"] == "A20.3"
    assert_problem(await _post(world, f"{url}/escalation", escalation, world.district_reviewer), 403)
    world.clock.at(T0 + 48 * HOUR)  # 2026-03-04 09:00 in Wuxi
    escalated = await _post(world, f"{url}/escalation", escalation, world.reviewer)
    assert escalated.status_code == 200, escalated.text
    assert (escalated.json()["state"], escalated.json()["escalated_to"]) == ("escalated", "无锡市人民政府")
    assert (escalated.json()["escalated_by"], escalated.json()["escalation_reasons"]) == (
        subject(world.reviewer), escalation["reasons"])  # fmt: skip
    assert (await world.application(refused))["state"] == "disputed"

    # Escalated, it is the government's to decide: the bureau notes, but no longer decides or escalates.
    upheld = {"outcome": "upheld", "reasons": ["理由"], "risk_level": "low"}
    allowed = {"note", "record_government_decision", "lapse"}
    _assert_illegal(await _post(world, f"{url}/decision", upheld, world.reviewer), "escalated", allowed)
    _assert_illegal(await _post(world, f"{url}/escalation", escalation, world.reviewer), "escalated", allowed)
    noted = await _post(world, f"{url}/notes", {"text": "已报市政府法制办。"}, world.reviewer)
    assert noted.status_code == 200, noted.text

    decision = {"outcome": "upheld", "authority": "无锡市人民政府", "reference": "锡政复〔2026〕7号",
                "decided_on": "2026-03-05", "reasons": ["民政部门核对低保对象参保状态属法定职责"],
                "risk_level": "medium"}  # fmt: skip
    world.clock.at(T0 + 4 * 24 * HOUR)  # 2026-03-06 in Wuxi
    # An administrator records it: not a reviewer, and not a district's administrator for a city dispute (A4.1).
    assert_problem(await _post(world, f"{url}/government-decision", decision, world.reviewer), 403)
    problem = assert_problem(await _post(world, f"{url}/government-decision", decision, world.district_admin), 403)
    assert problem["requirement"] == "A4.1"
    # The decision was made after the escalation and not after today; it states its reasons.
    for day in ("2026-03-03", "2026-03-07"):
        problem = assert_problem(await _post(world, f"{url}/government-decision", {**decision, "decided_on": day},
                                             world.admin), 422)  # fmt: skip
        assert [e["field"] for e in problem["errors"]] == ["body.decided_on"]
    problem = assert_problem(await _post(world, f"{url}/government-decision", {**decision, "reasons": []},
                                         world.admin), 422)  # fmt: skip
    assert [e["field"] for e in problem["errors"]] == ["body.reasons"]
    for missing in ("authority", "reference", "decided_on"):
        body = {k: v for k, v in decision.items() if k != missing}
        assert_problem(await _post(world, f"{url}/government-decision", body, world.admin), 422)

    recorded = await _post(world, f"{url}/government-decision", decision, world.admin)
    assert recorded.status_code == 200, recorded.text
    done = recorded.json()
    assert (done["state"], done["outcome"], done["decided_by_kind"], done["decided_by"]) == (
        "decided", "upheld", "government", subject(world.admin))  # fmt: skip
    assert (done["authority"], done["reference"], done["decided_on"]) == (
        "无锡市人民政府",
        "锡政复〔2026〕7号",
        "2026-03-05",
    )
    assert [(s["action"], s["state"], s["actor"]) for s in done["steps"]] == [
        ("raise", "open", subject(world.consumer.system)),
        ("escalate", "escalated", subject(world.reviewer)),
        ("note", "escalated", subject(world.reviewer)),
        ("record_government_decision", "decided", subject(world.admin)),
    ]
    assert done["steps"][1]["text"] == "无锡市人民政府"
    assert (await world.application(refused))["state"] == "granted"
    assert done["grant_id"] is not None


async def test_a_dispute_is_read_by_its_parties_and_the_bureau_of_its_region_only_A20_3_A4_1(world: Sharing) -> None:
    entry = await world.entry(world.provider)
    dispute = await _raised(world, await world.refused(entry))
    url = f"/api/share/disputes/{dispute['id']}"
    for headers in (world.consumer.system, world.consumer.officer, world.provider.officer, world.reviewer,
                    world.admin, world.inspector):  # fmt: skip
        seen = await world.gateway.get(url, headers=headers)
        assert seen.status_code == 200, seen.text
        assert seen.json()["id"] == dispute["id"]
    # Another agency, and the provider's system (the design's table: the provider's officers), learn nothing.
    for headers in (world.other.system, world.other.officer, world.provider.system):
        assert_problem(await world.gateway.get(url, headers=headers), 404)
    assert assert_problem(await world.gateway.get(url, headers=world.district_reviewer), 403)["requirement"] == "A4.1"

    async def listed(headers: dict[str, str], **params: str) -> list[str]:
        page = await world.gateway.get("/api/share/disputes", params=params, headers=headers)
        assert page.status_code == 200, page.text
        return [item["id"] for item in page.json()["items"]]

    mine = {"application_id": dispute["application_id"]}
    assert dispute["id"] in await listed(world.consumer.system)
    assert await listed(world.consumer.officer, **mine) == [dispute["id"]]
    assert await listed(world.provider.officer, **mine) == [dispute["id"]]
    assert await listed(world.reviewer, state="open", **mine) == [dispute["id"]]
    assert await listed(world.reviewer, state="decided", **mine) == []
    assert await listed(world.inspector, agency_id=world.consumer.id, **mine) == [dispute["id"]]
    assert await listed(world.inspector, agency_id=world.other.id, **mine) == []
    # The provider's system, an agency party to nothing, a district's bureau (every dispute here is the city's).
    assert await listed(world.provider.system) == []
    assert await listed(world.other.system) == []
    assert await listed(world.district_reviewer) == []
    assert await listed(world.admin, region_code="320205") == []
    listing = await world.gateway.get("/api/share/disputes", params={"region_code": "320200"},
                                      headers=world.district_reviewer)  # fmt: skip
    assert assert_problem(listing, 403)["requirement"] == "A4.1"
    other = await world.gateway.get("/api/share/disputes", params={"agency_id": world.provider.id},
                                    headers=world.consumer.system)  # fmt: skip
    assert assert_problem(other, 403)["requirement"] == "A15.2"


async def test_a_dispute_lapses_when_its_application_is_terminated_A20_3(world: Sharing) -> None:
    entry = await world.entry(world.provider)
    refused = await world.refused(entry)
    dispute = await _raised(world, refused)
    # The hub terminates the disputed application (its entry retired): the step that does so lapses the dispute.
    engine = create_async_engine(async_url(world.mesh.databases["share"]))
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as session, session.begin():
            application = await repository.application_for_update(session, uuid.UUID(refused))
            assert application is not None
            await take_step(session, application, ApplicationAction.terminate, Actor.hub(), T0 + HOUR,
                            reasons=["entry retired"])  # fmt: skip
            lapsed = await lapse_dispute(session, application.id, T0 + HOUR)
            assert lapsed is not None
            assert await lapse_dispute(session, application.id, T0 + HOUR) is None
    finally:
        await engine.dispose()
    seen = await world.gateway.get(f"/api/share/disputes/{dispute['id']}", headers=world.reviewer)
    assert seen.json()["state"] == "lapsed"
    assert [(s["action"], s["actor"]) for s in seen.json()["steps"]] == [
        ("raise", subject(world.consumer.system)), ("lapse", "share-svc")]  # fmt: skip
    upheld = {"outcome": "upheld", "reasons": ["理由"], "risk_level": "low"}
    _assert_illegal(await _post(world, f"/disputes/{dispute['id']}/decision", upheld, world.reviewer), "lapsed", set())
