"""What a change of the catalogue does to applications and grants, through the real mesh: the provider publishes a
new version or retires the entry in catalog-svc, and share-svc applies it as docs/sharing.md says (A19.2, A20.1,
A21.1, A38.1):

* items removed: open applications and unexpired grants keep the rest (share.grant.narrowed); none left, the
  application is terminated and the grant revoked;
* no longer shared (not shared, A19.2; secret, A38.1) or retired: open applications terminated, grants revoked
  by share-svc, saying why;
* conditional → unconditional: applications under review granted at once by the hub (A20.1);
* unconditional → conditional: grants stand until they expire;
* a disputed application terminated with its entry: its dispute lapses (A20.3).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from share.applications.world import ITEMS, SharingWorld, sharing_world

from harness import Infra, Keys, eventually

pytestmark = pytest.mark.integration
WITHOUT_PENSION = [item for item in ITEMS if item["name"] != "pension"]


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[SharingWorld]:
    async with sharing_world(infra, keys) as built:
        yield built


async def approved(world: SharingWorld, entry_id: str, items: list[str]) -> dict[str, Any]:
    """A conditional application for `items`, approved by both parties: granted (A20.2)."""
    made = await world.applied(entry_id, items=items)
    for party, headers in (("provider", world.provider.officer), ("bureau", world.reviewer)):
        response = await world.review(made["id"], party, "approve", headers)
        assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    assert answer["state"] == "granted"
    return answer


async def refused(world: SharingWorld, entry_id: str) -> dict[str, Any]:
    made = await world.applied(entry_id)
    response = await world.review(made["id"], "bureau", "refuse", world.reviewer, reasons=["用途不明确"])
    assert response.json()["state"] == "refused"
    return made


async def grant(world: SharingWorld, grant_id: str) -> dict[str, Any]:
    response = await world.gateway.get(f"/api/share/grants/{grant_id}", headers=world.consumer.system)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def events_of(world: SharingWorld, ce_type: str, grant_id: str) -> list[dict[str, Any]]:
    return [e for e in await world.events(ce_type) if e["grant_id"] == grant_id]


def last_step(application: dict[str, Any]) -> tuple[str, str, str]:
    step = application["steps"][-1]
    return step["action"], step["state"], step["actor"]


async def test_a_version_removing_items_narrows_open_applications_and_grants_to_what_remains_A21_1(
    world: SharingWorld,
) -> None:
    entry_id = await world.publish("conditional")
    narrowed = await world.applied(entry_id, items=["id_number", "pension"])
    emptied = await world.applied(entry_id, items=["pension"])
    kept = (await approved(world, entry_id, ["full_name", "pension"]))["grant"]
    lost = (await approved(world, entry_id, ["pension"]))["grant"]

    await world.republish(entry_id, 2, "conditional", WITHOUT_PENSION)

    after = await world.application(narrowed["id"])
    assert (after["state"], after["items"], after["entry_version"]) == ("requested", ["id_number"], 2)
    ended = await world.application(emptied["id"])
    assert last_step(ended) == ("terminate", "terminated", "share-svc")
    assert "version 2" in ended["steps"][-1]["reasons"][0]
    assert all(r["closed_on"] is not None for r in ended["reviews"])

    still = await grant(world, kept["id"])
    assert (still["status"], still["items"], still["entry_version"]) == ("live", ["full_name"], 2)
    assert still["narrowed_at"] is not None
    (event,) = await eventually(lambda: events_of(world, "share.grant.narrowed", kept["id"]))
    assert (event["items"], event["entry_version"]) == (["full_name"], 2)
    gone = await grant(world, lost["id"])
    assert (gone["status"], gone["revoked_by"]) == ("revoked", "share-svc")
    (revocation,) = await eventually(lambda: events_of(world, "share.grant.revoked", lost["id"]))
    assert revocation["revoked_by"] == "share-svc"


@pytest.mark.parametrize(("terms", "requirement"), [("not_shared", "A19.2"), ("secret", "A38.1")])
async def test_a_version_no_longer_shared_ends_open_applications_and_revokes_grants(
    world: SharingWorld, terms: str, requirement: str
) -> None:
    entry_id = await world.publish("conditional")
    pending = await world.applied(entry_id)
    live = (await approved(world, entry_id, ["id_number"]))["grant"]
    closed = await refused(world, entry_id)

    await world.republish(entry_id, 2, terms)

    ended = await world.application(pending["id"])
    assert last_step(ended) == ("terminate", "terminated", "share-svc")
    assert requirement in ended["steps"][-1]["reasons"][0]
    revoked = await grant(world, live["id"])
    assert (revoked["status"], revoked["revoked_by"]) == ("revoked", "share-svc")
    assert requirement in revoked["revoke_reason"]
    (event,) = await eventually(lambda: events_of(world, "share.grant.revoked", live["id"]))
    assert requirement in event["reason"]
    # A refused application was decided before: it stays as it was (it may still be disputed).
    assert (await world.application(closed["id"]))["state"] == "refused"


async def test_a_retired_entry_ends_open_applications_and_revokes_grants(world: SharingWorld) -> None:
    entry_id = await world.publish("conditional")
    pending = await world.applied(entry_id)
    live = (await approved(world, entry_id, ["id_number"]))["grant"]

    await world.retire(entry_id)

    ended = await world.application(pending["id"])
    assert last_step(ended) == ("terminate", "terminated", "share-svc")
    assert "retired" in ended["steps"][-1]["reasons"][0]
    revoked = await grant(world, live["id"])
    assert (revoked["status"], revoked["revoked_by"]) == ("revoked", "share-svc")
    assert "retired" in revoked["revoke_reason"]


async def test_applications_under_review_are_granted_when_the_entry_becomes_unconditional_A20_1(
    world: SharingWorld,
) -> None:
    entry_id = await world.publish("conditional")
    waiting = await world.applied(entry_id)
    halfway = await world.applied(entry_id, items=["full_name", "pension"])
    assert (await world.review(halfway["id"], "provider", "approve", world.provider.officer)).status_code == 200
    closed = await refused(world, entry_id)

    await world.republish(entry_id, 2, "unconditional", WITHOUT_PENSION)

    first = await world.application(waiting["id"])
    assert last_step(first) == ("grant_unconditionally", "granted", "share-svc")
    assert (first["grant"]["status"], first["grant"]["items"], first["grant"]["entry_version"]) == (
        "live", ["id_number", "full_name"], 2
    )  # fmt: skip
    assert all(r["closed_on"] is not None and r["decision"] is None for r in first["reviews"])
    second = await world.application(halfway["id"])
    assert [s["action"] for s in second["steps"]] == ["apply_conditional", "provider_approve", "grant_unconditionally"]
    # Narrowed first, then granted: the grant holds only what version 2 still declares.
    assert second["grant"]["items"] == ["full_name"]
    assert (await world.application(closed["id"]))["state"] == "refused"


async def test_grants_stand_when_an_unconditional_entry_becomes_conditional(world: SharingWorld) -> None:
    entry_id = await world.publish("unconditional")
    live = (await world.applied(entry_id))["grant"]

    await world.republish(entry_id, 2, "conditional")

    stands = await grant(world, live["id"])
    assert (stands["status"], stands["items"], stands["narrowed_at"]) == ("live", live["items"], None)
    assert stands["entry_version"] == 1  # granted under the terms of version 1, which then applied
    # A new application now goes to review (A20.2).
    assert (await world.applied(entry_id))["state"] == "requested"


async def test_a_disputed_application_is_terminated_with_the_entry_and_its_dispute_lapses_A20_3(
    world: SharingWorld,
) -> None:
    entry_id = await world.publish("conditional")
    closed = await refused(world, entry_id)
    statement = {"statement": "申请用于法定职责，请求复核"}
    raised = await world.gateway.post(f"/api/share/applications/{closed['id']}/disputes", json=statement,
                                      headers=world.consumer.system)  # fmt: skip
    assert raised.status_code == 201, raised.text
    assert (await world.application(closed["id"]))["state"] == "disputed"

    await world.retire(entry_id)

    ended = await world.application(closed["id"])
    assert last_step(ended) == ("terminate", "terminated", "share-svc")
    dispute = await world.gateway.get(f"/api/share/disputes/{raised.json()['id']}", headers=world.consumer.system)
    assert dispute.status_code == 200, dispute.text
    assert dispute.json()["state"] == "lapsed"
