"""The centre's read model of grants, kept from share.events on the real Kafka (A21.1): each event applies once,
a narrowing or a revocation heard before its grant's issue is kept and applied when the issue comes, and the same
events redelivered or reordered leave the same grant. Each grant gets a secret fingerprint key of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from aggregation.centre import World, ndjson, person
from aggregation.grants.share_events import (
    ShareTopic,
    envelope_of,
    issued,
    narrowing,
    revocation,
    share_topic,
)

from harness import assert_problem
from hub.contracts.share import GrantIssued, ShareEvent

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def share(world: World) -> AsyncIterator[ShareTopic]:
    async with share_topic(world) as topic:
        yield topic


@pytest.fixture(scope="module")
async def entry(world: World) -> str:
    entry_id = await world.publish(world.police)
    pushed = await world.push(entry_id, "all", ndjson(person(n) for n in range(3)), world.police.system)
    assert pushed.json()["stored"] == 3, pushed.text
    return entry_id


def of_water(world: World, entry_id: str, items: list[str], **overrides: Any) -> GrantIssued:
    return issued(entry_id, world.water.id, world.police.id, items, **overrides)


async def pull(world: World, entry_id: str, grant: GrantIssued, **params: Any) -> httpx.Response:
    headers = {**world.water.system, "x-hub-purpose": quote(grant.purpose)}
    return await world.gateway.get(
        f"/api/aggregation/entries/{entry_id}/records", headers=headers, params={"grant": str(grant.grant_id), **params}
    )


async def row(world: World, grant_id: uuid.UUID) -> dict[str, Any]:
    found = await world.rows("SELECT * FROM grants WHERE grant_id = :g", g=grant_id)
    assert len(found) == 1
    return dict(found[0]._mapping)


async def test_a_revocation_heard_before_its_issue_is_kept_and_the_issue_does_not_revive_the_grant_A21_1(
    world: World, share: ShareTopic, entry: str
) -> None:
    grant = of_water(world, entry, ["full_name"])
    revoked = revocation(grant)
    await share.publish(revoked)
    tombstone = await row(world, grant.grant_id)
    assert (tombstone["issued_at"], tombstone["revoked_at"]) == (None, revoked.revoked_at)
    await share.publish(grant)
    refused = assert_problem(await pull(world, entry, grant), 403)
    assert "revoked" in refused["detail"]
    assert refused["requirement"] == "A21.1"
    filled = await row(world, grant.grant_id)
    assert (filled["issued_at"], filled["revoked_at"], filled["revoke_reason"]) == (
        grant.issued_at, revoked.revoked_at, revoked.reason)  # fmt: skip


async def test_a_narrowing_heard_before_its_issue_keeps_its_items_out_A21_1(
    world: World, share: ShareTopic, entry: str
) -> None:
    grant = of_water(world, entry, ["full_name", "age", "registered_on"])
    await share.publish(narrowing(grant, ["full_name", "registered_on"]), grant)
    page = await pull(world, entry, grant)
    assert page.status_code == 200, page.text
    assert page.json()["items"] == ["full_name", "registered_on"]
    refused = assert_problem(await pull(world, entry, grant, items="age"), 403)
    assert refused["errors"][0]["field"] == "items"


async def test_a_narrowing_never_gives_a_grant_an_item_it_did_not_hold_A21_1(
    world: World, share: ShareTopic, entry: str
) -> None:
    grant = of_water(world, entry, ["full_name"])
    await share.publish(grant, narrowing(grant, ["full_name", "id_number"]))
    assert (await row(world, grant.grant_id))["items"] == ["full_name"]


async def test_redelivered_and_reordered_grant_events_leave_the_same_grant_A21_1(
    world: World, share: ShareTopic, entry: str
) -> None:
    at = datetime.now(UTC)
    in_order = of_water(world, entry, ["id_number", "full_name", "age"])
    shuffled = in_order.model_copy(update={"grant_id": uuid.uuid4()})

    def history(grant: GrantIssued) -> list[ShareEvent]:
        return [grant, narrowing(grant, ["full_name", "age"], at=at), narrowing(grant, ["id_number", "full_name"],
                at=at + timedelta(minutes=1)), revocation(grant, revoked_at=at + timedelta(minutes=2))]  # fmt: skip

    await share.publish(*history(in_order))
    issue, first, second, revoked = history(shuffled)
    # Backwards, each event twice (the same message redelivered), the issue once more as a new message.
    envelopes = [envelope_of(event) for event in (revoked, second, first, issue)]
    ids = [await share.send(envelope) for envelope in envelopes + envelopes]
    ids.append(await share.send(issue))
    await share.applied(*ids)
    expected, got = await row(world, in_order.grant_id), await row(world, shuffled.grant_id)
    ignored = {"grant_id", "fingerprint_key"}
    assert {k: v for k, v in got.items() if k not in ignored} == {k: v for k, v in expected.items() if k not in ignored}
    assert (got["items"], got["narrowed_at"]) == (["full_name"], at + timedelta(minutes=1))
    inbox = await world.rows("SELECT count(*) FROM inbox WHERE event_id = ANY(:ids)", ids=ids)
    assert inbox == [(len(set(ids)),)]


async def test_each_grant_has_a_secret_fingerprint_key_of_its_own_kept_across_redelivery_A21_1(
    world: World, share: ShareTopic, entry: str
) -> None:
    one, two = of_water(world, entry, ["full_name"]), of_water(world, entry, ["full_name"])
    await share.publish(one, two)
    key = (await row(world, one.grant_id))["fingerprint_key"]
    assert len(key) == 32
    assert key != (await row(world, two.grant_id))["fingerprint_key"]
    # The key is made by the centre, never carried by an event: no event field could hold it.
    assert "fingerprint_key" not in GrantIssued.model_fields
    await share.publish(one)  # the issue republished (a new message)
    assert (await row(world, one.grant_id))["fingerprint_key"] == key
