"""Grants through the gateway on the real mesh: read by their parties and the bureau of the region, live only within
their period, revoked by the provider's officer, the bureau or the consumer renouncing them, with the reason, once
(A4.1, A21.1). Every revocation is a share.grant.revoked event, which the big data centre acts on."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from share.applications.world import SharingWorld, sharing_world

from harness import Infra, Keys, assert_problem, eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[SharingWorld]:
    async with sharing_world(infra, keys) as built:
        yield built


@pytest.fixture(scope="module")
async def entry_id(world: SharingWorld) -> str:
    """An unconditionally shared entry of the provider: each application is granted at once (A20.1)."""
    return await world.publish("unconditional")


async def granted(world: SharingWorld, entry_id: str, **kwargs: Any) -> dict[str, Any]:
    grant: dict[str, Any] = (await world.applied(entry_id, **kwargs))["grant"]
    return grant


async def revoke(
    world: SharingWorld, grant: dict[str, Any], headers: dict[str, str], reason: str = "不再需要"
) -> httpx.Response:
    return await world.gateway.post(f"/api/share/grants/{grant['id']}/revoke", json={"reason": reason},
                                    headers=headers)  # fmt: skip


async def test_the_consumer_renounces_its_grant_with_a_reason_once_A21_1(world: SharingWorld, entry_id: str) -> None:
    grant = await granted(world, entry_id)
    renounced = await revoke(world, grant, world.consumer.officer, "项目结束，不再使用")
    assert renounced.status_code == 200, renounced.text
    answer = renounced.json()
    assert (answer["status"], answer["revoke_reason"]) == ("revoked", "项目结束，不再使用")
    assert answer["revoked_by"] is not None
    read = await world.gateway.get(f"/api/share/grants/{grant['id']}", headers=world.consumer.system)
    assert read.json()["status"] == "revoked"

    async def revoked() -> list[dict[str, Any]]:
        return [e for e in await world.events("share.grant.revoked") if e["grant_id"] == grant["id"]]

    (event,) = await eventually(revoked)
    assert (event["reason"], event["revoked_by"], event["consumer_agency_id"]) == (
        "项目结束，不再使用", answer["revoked_by"], world.consumer.id
    )  # fmt: skip
    # A revoked grant stays revoked: nobody revokes it again.
    again = assert_problem(await revoke(world, grant, world.provider.officer), 409)
    assert "stays revoked" in again["detail"]


@pytest.mark.parametrize("who", ["provider officer", "city reviewer", "city administrator"])
async def test_the_provider_officer_and_the_bureau_of_the_region_revoke_A21_1(
    world: SharingWorld, entry_id: str, who: str
) -> None:
    headers = {"provider officer": world.provider.officer, "city reviewer": world.reviewer,
               "city administrator": world.regional.admin}[who]  # fmt: skip
    grant = await granted(world, entry_id)
    revoked = await revoke(world, grant, headers, "发现超范围使用")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"


async def test_nobody_else_revokes_a_grant_A4_1_A21_1(world: SharingWorld, entry_id: str) -> None:
    grant = await granted(world, entry_id)
    assert_problem(await revoke(world, grant, world.outsider.officer), 404)
    assert_problem(await revoke(world, grant, world.provider.system), 404)
    assert assert_problem(await revoke(world, grant, world.district["reviewer"]), 403)["requirement"] == "A4.1"
    assert assert_problem(await revoke(world, grant, world.district["inspector"]), 403)["policy_route"]
    for reason in ("", "   ", "x" * 1001):
        assert_problem(await revoke(world, grant, world.consumer.system, reason), 422)
    read = await world.gateway.get(f"/api/share/grants/{grant['id']}", headers=world.consumer.system)
    assert read.json()["status"] == "live"


async def test_an_agency_cannot_read_another_agencys_grant_A21_1(world: SharingWorld, entry_id: str) -> None:
    grant = await granted(world, entry_id)
    for headers in (world.outsider.system, world.outsider.officer, world.provider.system):
        assert_problem(await world.gateway.get(f"/api/share/grants/{grant['id']}", headers=headers), 404)
    for headers in (world.consumer.system, world.provider.officer, world.reviewer, world.regional.admin):
        read = await world.gateway.get(f"/api/share/grants/{grant['id']}", headers=headers)
        assert read.status_code == 200, read.text


async def test_a_grant_is_live_only_within_its_period_A21_1(world: SharingWorld, entry_id: str) -> None:
    now = datetime.now(UTC)
    later = await granted(world, entry_id, valid_from=(now + timedelta(days=30)).isoformat(),
                          valid_until=(now + timedelta(days=60)).isoformat())  # fmt: skip
    brief = await granted(world, entry_id, valid_until=(now + timedelta(seconds=2)).isoformat())
    assert (later["status"], brief["status"]) == ("not_yet_valid", "live")
    await asyncio.sleep(max(0.0, (datetime.fromisoformat(brief["valid_until"]) - datetime.now(UTC)).total_seconds()))

    async def listed(status: str) -> set[str]:
        response = await world.gateway.get("/api/share/grants", params={"status": status, "entry_id": entry_id},
                                           headers=world.consumer.system)  # fmt: skip
        assert response.status_code == 200, response.text
        assert {g["status"] for g in response.json()} <= {status}
        return {g["id"] for g in response.json()}

    assert brief["id"] in await listed("expired")
    assert later["id"] in await listed("not_yet_valid")
    assert {brief["id"], later["id"]}.isdisjoint(await listed("live"))


async def test_grant_listings_hold_only_what_the_caller_may_see_A4_1_A15_2(world: SharingWorld, entry_id: str) -> None:
    mine = await granted(world, entry_id)
    theirs = await granted(world, entry_id, headers=world.outsider.system)

    async def listed(headers: dict[str, str], **params: str) -> set[str]:
        response = await world.gateway.get("/api/share/grants", params={"entry_id": entry_id, **params},
                                           headers=headers)  # fmt: skip
        assert response.status_code == 200, response.text
        return {g["id"] for g in response.json()}

    consumer_view = await listed(world.consumer.system)
    assert mine["id"] in consumer_view
    assert theirs["id"] not in consumer_view
    assert theirs["id"] in await listed(world.outsider.officer, **{"as": "consumer"})
    assert {mine["id"], theirs["id"]} <= await listed(world.provider.officer, **{"as": "provider"})
    assert await listed(world.provider.system) == set()
    assert {mine["id"], theirs["id"]} <= await listed(world.reviewer)
    assert await listed(world.district["inspector"]) == set()
    for params in ({"limit": "0"}, {"offset": "-1"}, {"status": "alive"}, {"entry_id": "x"}):
        assert_problem(await world.gateway.get("/api/share/grants", params=params, headers=world.reviewer), 422)
