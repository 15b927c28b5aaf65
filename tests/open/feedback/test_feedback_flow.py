"""Error reports and objections through the gateway on the real mesh (A26.1): routed to the agency responsible for
the data, taken up and answered by its officers, followed by the reporter (anonymous ones by the report's id and a
token), counted per dataset and per agency for the quality others weigh."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from open.applications.world import World
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from harness import assert_problem
from hub.db import async_url
from open_svc.feedback.counts import ReportCounts, counts_per_agency, counts_per_entry

pytestmark = pytest.mark.integration
UNCONDITIONAL = {"open_type": "unconditional", "open_conditions": None}
# Shared with agencies, never opened: the public has no report to make on it (A22.1).
SHARED_ONLY = {"open_type": "not_open", "open_conditions": None, "open_legal_basis": "《中华人民共和国个人信息保护法》"}


async def report(
    world: World, headers: dict[str, str], entry_id: str, kind: str = "error", **extra: Any
) -> httpx.Response:
    body = {"entry_id": entry_id, "kind": kind, "description": "注册资本单位应为万元，数值偏大一万倍。", **extra}
    return await world.gateway.post("/api/open/feedback", json=body, headers=headers)


async def filed(world: World, headers: dict[str, str], entry_id: str, kind: str = "error") -> dict[str, Any]:
    response = await report(world, headers, entry_id, kind)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def answer(world: World, officer: dict[str, str], report_id: str, outcome: str) -> httpx.Response:
    body = {
        "outcome": outcome,
        "answer": "已核实并更正注册资本单位。" if outcome == "corrected" else "经核实数据无误。",
    }
    return await world.gateway.post(f"/api/open/feedback/{report_id}/answer", json=body, headers=officer)


async def seen(world: World, report_id: str, headers: dict[str, str]) -> httpx.Response:
    return await world.gateway.get(f"/api/open/feedback/{report_id}", headers=headers)


async def test_an_anonymous_report_reaches_the_responsible_agency_and_its_answer_the_reporter_by_token_A26_1(
    world: World,
) -> None:
    entry_id = await world.publish(**UNCONDITIONAL)
    created = await report(world, {}, entry_id, items=["registered_capital"], record_key='["91320200MA1MXXXX0A"]')
    assert created.status_code == 201, created.text
    filed_report = created.json()
    token = filed_report["reporter_token"]
    assert (filed_report["state"], filed_report["agency_id"], filed_report["reporter_kind"]) == (
        "received", world.market.id, "anonymous")  # fmt: skip

    # The report's id alone, or with a wrong token, shows nothing.
    assert_problem(await seen(world, filed_report["id"], {}), 404)
    assert_problem(await seen(world, filed_report["id"], {"x-reporter-token": "A" * 32}), 404)
    assert (await seen(world, filed_report["id"], {"x-reporter-token": token})).json()["state"] == "received"

    # Routed to the market regulator's officers, not to another agency's.
    inbox = await world.gateway.get("/api/open/feedback", params={"entry_id": entry_id}, headers=world.market.officer)
    assert [r["id"] for r in inbox.json()["reports"]] == [filed_report["id"]]
    elsewhere = await world.gateway.get("/api/open/feedback", headers=world.other.officer)
    assert filed_report["id"] not in {r["id"] for r in elsewhere.json()["reports"]}
    path = f"/api/open/feedback/{filed_report['id']}"
    assert_problem(await world.gateway.post(f"{path}/take-up", headers=world.other.officer), 404)
    assert_problem(await answer(world, world.other.officer, filed_report["id"], "rejected"), 404)

    taken = await world.gateway.post(f"{path}/take-up", headers=world.market.officer)
    assert taken.json()["state"] == "handling"
    corrected = await answer(world, world.market.officer, filed_report["id"], "corrected")
    assert corrected.status_code == 200, corrected.text
    assert (
        assert_problem(await answer(world, world.market.officer, filed_report["id"], "rejected"), 409)["requirement"]
        == "A26.1"
    )

    followed = (await seen(world, filed_report["id"], {"x-reporter-token": token})).json()
    assert (followed["state"], followed["answer"]) == ("corrected", "已核实并更正注册资本单位。")
    assert followed["taken_up_at"] is not None


async def test_a_portal_user_objects_and_follows_the_answer_by_its_account_A26_1(world: World) -> None:
    entry_id = await world.publish(**UNCONDITIONAL)
    user, stranger = await world.portal_user(), await world.portal_user()
    objection = await filed(world, user, entry_id, kind="objection")
    assert (objection["reporter_kind"], objection["reporter_token"]) == ("portal_user", None)

    rejected = await answer(world, world.market.officer, objection["id"], "rejected")
    assert rejected.status_code == 200, rejected.text

    mine = (await world.gateway.get("/api/open/feedback", headers=user)).json()["reports"]
    assert [(r["id"], r["state"], r["answer"]) for r in mine] == [(objection["id"], "rejected", "经核实数据无误。")]
    assert_problem(await seen(world, objection["id"], stranger), 404)
    assert (await world.gateway.get("/api/open/feedback", headers=stranger)).json()["reports"] == []


async def test_agencies_report_on_shared_data_the_public_cannot_reach_A26_1(world: World) -> None:
    entry_id = await world.publish(**SHARED_ONLY)
    assert_problem(await report(world, {}, entry_id), 404)
    assert_problem(await report(world, await world.portal_user(), entry_id), 404)

    by_agency = await filed(world, world.other.system, entry_id)
    assert (by_agency["reporter_kind"], by_agency["reporter_agency_id"]) == ("agency", world.other.id)
    # The reporting agency's officers follow what it filed; the responsible agency's answer it.
    theirs = await world.gateway.get("/api/open/feedback", params={"filed": "true"}, headers=world.other.officer)
    assert by_agency["id"] in {r["id"] for r in theirs.json()["reports"]}
    assert (await seen(world, by_agency["id"], world.other.officer)).status_code == 200
    assert (await answer(world, world.market.officer, by_agency["id"], "corrected")).status_code == 200
    # Not open data: not in the public's counts of the dataset.
    public = await world.gateway.get("/api/open/feedback/counts", params={"entry_id": entry_id})
    assert public.json() == {}


async def test_reports_are_counted_per_dataset_and_per_agency_for_quality_A26_1(world: World) -> None:
    agency = await world.agency("无锡市文化广电和旅游局")
    first, second = await world.publish(agency, **UNCONDITIONAL), await world.publish(agency, **UNCONDITIONAL)
    shared = await world.publish(agency, **SHARED_ONLY)
    corrected, rejected, _ = [await filed(world, {}, first), await filed(world, {}, first, "objection"),
                              await filed(world, {}, first)]  # fmt: skip
    await filed(world, {}, second)
    await filed(world, world.other.system, shared)
    assert (await answer(world, agency.officer, corrected["id"], "corrected")).status_code == 200
    assert (await answer(world, agency.officer, rejected["id"], "rejected")).status_code == 200

    # Written from the reports above, not from the module: first has 2 errors (1 corrected, 1 unanswered) and an
    # objection (rejected); second one unanswered error; the shared entry's report is not open data.
    by_entry = await world.gateway.get("/api/open/feedback/counts", params={"entry_id": first})
    assert by_entry.json() == {first: {"errors": 2, "objections": 1, "unanswered": 1, "corrected": 1, "rejected": 1}}
    by_agency = await world.gateway.get("/api/open/feedback/counts", params={"by": "agency", "agency_id": agency.id})
    assert by_agency.json() == {agency.id: {"errors": 3, "objections": 1, "unanswered": 2, "corrected": 1,
                                            "rejected": 1}}  # fmt: skip

    # What other parts of open-svc read (the quality score): the same figures, and the shared data's on request.
    engine = create_async_engine(async_url(world.open_db))
    try:
        async with async_sessionmaker(engine)() as session:
            ids = [uuid.UUID(e) for e in (first, second, shared)]
            assert await counts_per_entry(session, ids) == {
                ids[0]: ReportCounts(errors=2, objections=1, unanswered=1, corrected=1, rejected=1),
                ids[1]: ReportCounts(errors=1, unanswered=1),
            }
            everything = await counts_per_agency(session, [uuid.UUID(agency.id)], on_open_data=False)
            assert everything[uuid.UUID(agency.id)].total == 5
    finally:
        await engine.dispose()


async def test_a_report_names_only_items_of_the_dataset_A26_1(world: World) -> None:
    entry_id = await world.publish(**UNCONDITIONAL)
    refused = assert_problem(await report(world, {}, entry_id, items=["shareholders"]), 422)
    assert [(e["field"], e["requirement"]) for e in refused["errors"]] == [("items", "A26.1")]
    assert_problem(await report(world, {}, str(uuid.uuid4())), 404)
