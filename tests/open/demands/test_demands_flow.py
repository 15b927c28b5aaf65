"""Demand requests through the gateway on the real mesh (A27.1): registered users ask for data to be opened and vote
(one vote per account, a second is a 409), anyone reads them most voted first, the bureau answers."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
import pytest
from open.applications.world import World

from harness import assert_problem, eventually, records_of

pytestmark = pytest.mark.integration


async def request(world: World, user: dict[str, str], **extra: Any) -> dict[str, Any]:
    body = {"title": "公交车辆实时位置", "description": "用于开发公交到站提醒应用，希望以接口方式开放。", **extra}
    response = await world.gateway.post("/api/open/demands", json=body, headers=user)
    assert response.status_code == 201, response.text
    demand: dict[str, Any] = response.json()
    return demand


async def vote(world: World, user: dict[str, str], demand_id: str) -> httpx.Response:
    return await world.gateway.post(f"/api/open/demands/{demand_id}/votes", headers=user)


async def ranked(world: World, *ids: str) -> list[tuple[str, int]]:
    """The demands' order and votes in the public listing (anonymous), the given ones only."""
    listing = await world.gateway.get("/api/open/demands", params={"limit": 500})
    assert listing.status_code == 200, listing.text
    return [(d["id"], d["votes"]) for d in listing.json()["demands"] if d["id"] in ids]


async def test_one_vote_per_account_and_the_most_voted_demand_is_listed_first_A27_1(world: World) -> None:
    first, second, third = await world.portal_user(), await world.portal_user(), await world.portal_user()
    bus = await request(world, first)
    parking = await request(world, second, title="公共停车场空余车位")
    assert (bus["votes"], bus["state"]) == (1, "open")  # the request is its requester's vote

    assert (await vote(world, third, parking["id"])).json()["votes"] == 2
    assert assert_problem(await vote(world, third, parking["id"]), 409)["requirement"] == "A27.1"
    assert_problem(await vote(world, second, parking["id"]), 409)  # its requester voted by requesting
    assert (await vote(world, first, parking["id"])).json()["votes"] == 3

    assert await ranked(world, bus["id"], parking["id"]) == [(parking["id"], 3), (bus["id"], 1)]
    voters = await world.rows("SELECT voter FROM open_demand_votes WHERE demand_id = $1", uuid.UUID(parking["id"]))
    assert len(voters) == 3


async def test_votes_at_once_are_each_counted_and_an_accounts_second_is_refused_A27_1(world: World) -> None:
    demand = await request(world, await world.portal_user())
    users = [await world.portal_user() for _ in range(4)]
    answers = await asyncio.gather(*(vote(world, user, demand["id"]) for user in users),
                                   vote(world, users[0], demand["id"]))  # fmt: skip
    assert sorted(a.status_code for a in answers) == [201] * 4 + [409]
    held = await world.gateway.get(f"/api/open/demands/{demand['id']}")
    assert held.json()["votes"] == 5


async def test_the_bureau_answers_and_an_answered_demand_takes_no_more_votes_A27_1(world: World) -> None:
    opened_entry = await world.publish(open_type="unconditional", open_conditions=None)
    closed_entry = await world.publish(open_type="not_open", open_conditions=None, open_legal_basis="《数据安全法》")
    user = await world.portal_user()
    demand = await request(world, user, agency_id=world.market.id)
    assert demand["region_code"] == "320200"
    path = f"/api/open/demands/{demand['id']}/answer"

    assert_problem(
        await world.gateway.post(path, json={"outcome": "declined", "answer": "不予开放"}, headers=user), 403
    )
    not_open = await world.gateway.post(path, json={"outcome": "opened", "answer": "已开放", "entry_id": closed_entry},
                                        headers=world.reviewer)  # fmt: skip
    assert [e["field"] for e in assert_problem(not_open, 422)["errors"]] == ["entry_id"]
    answered = await world.gateway.post(path, json={"outcome": "opened", "answer": "已作为无条件开放数据集发布。",
                                                    "entry_id": opened_entry}, headers=world.reviewer)  # fmt: skip
    assert answered.status_code == 200, answered.text
    assert (answered.json()["state"], answered.json()["entry_id"]) == ("answered", opened_entry)

    public = (await world.gateway.get(f"/api/open/demands/{demand['id']}")).json()
    assert (public["outcome"], public["answer"]) == ("opened", "已作为无条件开放数据集发布。")
    assert_problem(await vote(world, await world.portal_user(), demand["id"]), 409)
    again = await world.gateway.post(path, json={"outcome": "declined", "answer": "撤回"}, headers=world.reviewer)
    assert assert_problem(again, 409)["requirement"] == "A27.1"


async def test_a_demand_names_a_registered_agency_or_none_A27_1(world: World) -> None:
    body = {"title": "河道水位", "description": "防汛参考。", "agency_id": str(uuid.uuid4())}
    refused = await world.gateway.post("/api/open/demands", json=body, headers=await world.portal_user())
    assert [e["field"] for e in assert_problem(refused, 422)["errors"]] == ["agency_id"]
    assert_problem(await world.gateway.post("/api/open/demands", json=body), 401)  # registered users only


async def stepped(world: World, demand_id: str) -> list[dict[str, Any]]:
    """The demand's open.demand.stepped events on the topic, in order, once open-svc's outbox is empty (everything
    committed is published)."""
    await eventually(lambda: not_pending(world), within=30, every=0.2)
    records = await records_of(world.kafka, f"{world.topic_prefix}open.events")
    events = [json.loads(r.value) for r in records
              if r.value is not None and dict(r.headers)["ce_type"] == b"open.demand.stepped"]  # fmt: skip
    return [event for event in events if event["demand_id"] == demand_id]


async def not_pending(world: World) -> bool:
    return not await world.rows("SELECT 1 FROM outbox LIMIT 1")


async def test_demand_events_name_the_agency_asked_of_and_its_region_or_none_for_the_citys_A27_1_A32_1(
    world: World,
) -> None:
    user = await world.portal_user()
    named = await request(world, user, agency_id=world.market.id)
    answer = {"outcome": "planned", "answer": "已列入下季度开放计划。"}
    path = f"/api/open/demands/{named['id']}/answer"
    answered = await world.gateway.post(path, json=answer, headers=world.reviewer)
    assert answered.status_code == 200, answered.text
    unnamed = await request(world, user, title="公共自行车站点")

    # Every step names the agency whose data is asked for and its region, so the indicator system counts the demand
    # for them (A32.1); a demand naming none names neither: the city's.
    assert [(e["action"], e["agency_id"], e["region_code"]) for e in await stepped(world, named["id"])] == [
        ("request", world.market.id, "320200"),
        ("answer", world.market.id, "320200"),
    ]
    assert [(e["action"], e["agency_id"], e["region_code"]) for e in await stepped(world, unnamed["id"])] == [
        ("request", None, None)
    ]
