"""Share applications through the gateway on the real mesh (catalog, share, gateway): an application walks each
state its parties can take it to, every decision is recorded with who, when, why and at which risk, and every
refusal of the Measures answers as they say (A19.2, A20.1, A20.2, A21.1, A29.1, A38.1). Then attacked: only the
provider agency's officer decides for the provider and only a bureau reviewer of a region holding the entry's for
the bureau (A4.1, A20.2); an applicant never approves its own application; an agency never reads another's
(A15.2); listings show each caller its own side or region, filtered in the database (A4.1).

The disputed states (disputed, dispute_dismissed) are reached through the disputes routes and walked by
tests/share/disputes; the catalogue's effects (terminated, granted by the hub) by tests/share/catalogue.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from share.applications.world import NOT_SHARED_BASIS, SharingWorld, sharing_world

from harness import Infra, Keys, assert_problem, eventually

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[SharingWorld]:
    async with sharing_world(infra, keys) as built:
        yield built


def steps(application: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    return [(s["action"], s["state_before"], s["state"]) for s in application["steps"]]


def reviews(application: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["party"]: r for r in application["reviews"]}


async def test_unconditional_data_is_granted_at_once_without_review_A20_1(world: SharingWorld) -> None:
    entry_id = await world.publish("unconditional")
    answer = await world.applied(entry_id, items=["full_name", "id_number"])
    assert answer["state"] == "granted"
    assert steps(answer) == [("apply_unconditional", None, "granted")]
    assert answer["reviews"] == []
    assert answer["decided_at"] is not None
    grant = answer["grant"]
    assert (grant["entry_id"], grant["consumer_agency_id"], grant["provider_agency_id"]) == (
        entry_id, world.consumer.id, world.provider.id
    )  # fmt: skip
    assert (grant["items"], grant["purpose"], grant["status"]) == (
        ["full_name", "id_number"],
        "养老待遇资格认证",
        "live",
    )
    assert grant["valid_until"] == answer["valid_until"]

    read = await world.gateway.get(f"/api/share/grants/{grant['id']}", headers=world.consumer.system)
    assert read.status_code == 200, read.text
    assert read.json() == grant

    async def issued() -> list[dict[str, Any]]:
        return [e for e in await world.events("share.grant.issued") if e["grant_id"] == grant["id"]]

    (event,) = await eventually(issued)
    assert (event["application_id"], event["items"], event["purpose"]) == (
        answer["id"],
        grant["items"],
        "养老待遇资格认证",
    )


async def test_conditional_data_is_granted_once_the_provider_and_then_the_bureau_approve_A20_2_A29_1(
    world: SharingWorld,
) -> None:
    entry_id = await world.publish("conditional")
    made = await world.applied(entry_id, headers=world.consumer.officer)
    assert (made["state"], made["grant"]) == ("requested", None)
    pending = reviews(made)
    assert set(pending) == {"provider", "bureau"}
    assert all(r["decision"] is None and r["closed_on"] is None and r["working_days"] == 5 for r in pending.values())

    by_provider = await world.review(made["id"], "provider", "approve", world.provider.officer, risk_level="low")
    assert by_provider.status_code == 200, by_provider.text
    assert by_provider.json()["state"] == "provider_approved"
    by_bureau = await world.review(made["id"], "bureau", "approve", world.reviewer, risk_level="medium",
                                   reasons=["用途与职责相符"])  # fmt: skip
    assert by_bureau.status_code == 200, by_bureau.text
    granted = by_bureau.json()
    assert granted["state"] == "granted"
    assert steps(granted) == [
        ("apply_conditional", None, "requested"),
        ("provider_approve", "requested", "provider_approved"),
        ("bureau_approve", "provider_approved", "granted"),
    ]
    applied, provider, bureau = granted["steps"]
    # Each decision attributed (who, for which agency or region), dated, with its reasons and risk (A20.2, A29.1).
    assert (applied["actor_agency_id"], applied["risk_level"]) == (world.consumer.id, None)
    assert (provider["actor_agency_id"], provider["risk_level"], provider["reasons"]) == (world.provider.id, "low", [])
    assert (bureau["actor_region_code"], bureau["risk_level"], bureau["reasons"]) == ("320200", "medium",
                                                                                      ["用途与职责相符"])  # fmt: skip
    assert len({applied["actor"], provider["actor"], bureau["actor"]}) == 3
    assert applied["at"] <= provider["at"] <= bureau["at"]
    decided = reviews(granted)
    assert {p: (r["decision"], r["risk_level"], r["decided_by"]) for p, r in decided.items()} == {
        "provider": ("approve", "low", provider["actor"]),
        "bureau": ("approve", "medium", bureau["actor"]),
    }
    assert all(r["closed_on"] is not None for r in decided.values())
    assert granted["grant"]["items"] == ["id_number", "full_name"]
    assert granted["decided_at"] == bureau["at"]


async def test_the_bureau_may_approve_before_the_provider_A20_2(world: SharingWorld) -> None:
    made = await world.applied(await world.publish("conditional"))
    first = await world.review(made["id"], "bureau", "approve", world.reviewer)
    assert first.json()["state"] == "bureau_approved"
    second = await world.review(made["id"], "provider", "approve", world.provider.officer)
    assert second.status_code == 200, second.text
    assert (second.json()["state"], second.json()["grant"]["status"]) == ("granted", "live")


@pytest.mark.parametrize("reasons", [[], ["", "   "]])
async def test_a_refusal_without_reasons_is_rejected_A20_2(world: SharingWorld, reasons: list[str]) -> None:
    made = await world.applied(await world.publish("conditional"))
    refused = await world.review(made["id"], "provider", "refuse", world.provider.officer, reasons=reasons)
    problem = assert_problem(refused, 422)
    assert problem["requirement"] == "A20.2"
    assert [e["field"] for e in problem["errors"]] == ["reasons"]
    assert (await world.application(made["id"]))["state"] == "requested"


async def test_a_provider_refusal_with_reasons_refuses_and_the_bureau_review_ends_A20_2(world: SharingWorld) -> None:
    made = await world.applied(await world.publish("conditional"))
    refused = await world.review(made["id"], "provider", "refuse", world.provider.officer, risk_level="high",
                                 reasons=["申请事项超出其法定职责"])  # fmt: skip
    assert refused.status_code == 200, refused.text
    answer = refused.json()
    assert (answer["state"], answer["grant"]) == ("refused", None)
    assert answer["decided_at"] == answer["steps"][-1]["at"]
    assert answer["steps"][-1]["reasons"] == ["申请事项超出其法定职责"]
    decided = reviews(answer)
    assert (decided["provider"]["decision"], decided["provider"]["risk_level"]) == ("refuse", "high")
    # Nothing is left for the bureau to decide: its review ends without a decision (and is never overdue).
    assert (decided["bureau"]["decision"], decided["bureau"]["closed_on"]) == (None, decided["provider"]["closed_on"])

    late = await world.review(made["id"], "bureau", "approve", world.reviewer)
    problem = assert_problem(late, 409)
    assert (problem["state"], problem["action"]) == ("refused", "bureau_approve")


async def test_the_bureau_may_refuse_what_the_provider_approved_A20_2(world: SharingWorld) -> None:
    made = await world.applied(await world.publish("conditional"))
    assert (await world.review(made["id"], "provider", "approve", world.provider.officer)).status_code == 200
    refused = await world.review(made["id"], "bureau", "refuse", world.reviewer, reasons=["风险评估未通过"],
                                 risk_level="high")  # fmt: skip
    assert refused.status_code == 200, refused.text
    assert steps(refused.json())[-1] == ("bureau_refuse", "provider_approved", "refused")


async def test_the_applicant_withdraws_an_undecided_application_and_its_reviews_end(world: SharingWorld) -> None:
    made = await world.applied(await world.publish("conditional"))
    assert (await world.review(made["id"], "provider", "approve", world.provider.officer)).status_code == 200
    withdrawn = await world.gateway.post(f"/api/share/applications/{made['id']}/withdraw",
                                         json={"reasons": ["业务调整"]}, headers=world.consumer.system)  # fmt: skip
    assert withdrawn.status_code == 200, withdrawn.text
    answer = withdrawn.json()
    assert steps(answer)[-1] == ("withdraw", "provider_approved", "withdrawn")
    assert reviews(answer)["bureau"]["closed_on"] is not None
    again = await world.gateway.post(f"/api/share/applications/{made['id']}/withdraw", headers=world.consumer.officer)
    assert assert_problem(again, 409)["state"] == "withdrawn"


async def test_not_shared_data_is_refused_at_once_citing_its_legal_basis_A19_2(world: SharingWorld) -> None:
    refused = await world.apply(await world.publish("not_shared"))
    problem = assert_problem(refused, 403)
    assert problem["requirement"] == "A19.2"
    assert NOT_SHARED_BASIS in problem["detail"]
    assert problem["legal_basis"] == NOT_SHARED_BASIS


async def test_secret_data_is_never_shared_A38_1(world: SharingWorld) -> None:
    problem = assert_problem(await world.apply(await world.publish("secret")), 403)
    assert problem["requirement"] == "A38.1"
    assert NOT_SHARED_BASIS in problem["detail"]


async def test_an_agency_applies_for_no_entry_of_its_own_A15_2(world: SharingWorld) -> None:
    entry_id = await world.publish("unconditional")
    problem = assert_problem(await world.apply(entry_id, headers=world.provider.system), 422)
    assert problem["requirement"] == "A15.2"
    assert [e["field"] for e in problem["errors"]] == ["entry_id"]


async def test_items_outside_the_entry_are_refused_naming_them_A21_1(world: SharingWorld) -> None:
    entry_id = await world.publish("unconditional")
    problem = assert_problem(await world.apply(entry_id, items=["id_number", "bank_account"]), 422)
    assert [(e["field"], e["requirement"]) for e in problem["errors"]] == [("items", "A21.1")]
    assert "bank_account" in problem["errors"][0]["message"]


async def test_an_unknown_or_retired_entry_has_no_application(world: SharingWorld) -> None:
    assert_problem(await world.apply(str(uuid.uuid4())), 404)
    entry_id = await world.publish("unconditional")
    await world.retire(entry_id)
    assert_problem(await world.apply(entry_id), 404)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purpose": "第一行\n第二行"}, "body.purpose"),
        ({"purpose": "x" * 201}, "body.purpose"),
        ({"legal_basis": "  "}, "body.legal_basis"),
        ({"items": []}, "body.items"),
        ({"items": ["id_number", "id_number"]}, "body.items"),
        ({"valid_until": "2027-01-01T00:00:00"}, "body.valid_until"),  # no time zone
        ({"valid_until": "9999-12-31T23:59:59+14:00"}, "body.valid_until"),
        ({"valid_from": "0001-01-01T00:00:00-12:00"}, "body.valid_from"),
    ],
)
async def test_malformed_applications_are_422_naming_the_field(
    world: SharingWorld, changes: dict[str, Any], field: str
) -> None:
    # Refused before anything is looked up: the entry need not exist.
    problem = assert_problem(await world.apply(str(uuid.uuid4()), **changes), 422)
    assert field in [e["field"] for e in problem["errors"]]


async def test_a_period_beyond_the_longest_grant_or_already_over_is_refused_A21_1(world: SharingWorld) -> None:
    entry_id = await world.publish("unconditional")
    start = datetime.now(UTC) + timedelta(days=1)
    too_long = await world.apply(entry_id, valid_from=start.isoformat(),
                                 valid_until=(start + timedelta(days=1097)).isoformat())  # fmt: skip
    assert [e["field"] for e in assert_problem(too_long, 422)["errors"]] == ["valid_until"]
    over = await world.apply(entry_id, valid_until=(datetime.now(UTC) - timedelta(days=1)).isoformat())
    assert "valid_until" in [e["field"] for e in assert_problem(over, 422)["errors"]]


async def test_a_granted_application_takes_no_further_decision_A20_2(world: SharingWorld) -> None:
    made = await world.applied(await world.publish("unconditional"))
    late = await world.review(made["id"], "provider", "refuse", world.provider.officer, reasons=["不同意"])
    problem = assert_problem(late, 409)
    assert (problem["state"], problem["allowed_actions"]) == ("granted", [])


async def test_listings_show_each_party_its_own_side_filtered_as_asked(world: SharingWorld) -> None:
    entry_id = await world.publish("conditional")
    made = await world.applied(entry_id)

    async def listed(headers: dict[str, str], **params: str) -> list[str]:
        response = await world.gateway.get("/api/share/applications", params={"entry_id": entry_id, **params},
                                           headers=headers)  # fmt: skip
        assert response.status_code == 200, response.text
        return [a["id"] for a in response.json()]

    assert await listed(world.consumer.system) == [made["id"]]
    assert await listed(world.consumer.officer, **{"as": "consumer"}) == [made["id"]]
    assert await listed(world.consumer.officer, **{"as": "provider"}) == []
    assert await listed(world.provider.officer, **{"as": "provider", "state": "requested"}) == [made["id"]]
    assert await listed(world.provider.officer, state="granted") == []
    assert await listed(world.reviewer) == [made["id"]]
    for params in ({"limit": "501"}, {"offset": str(10**12)}, {"as": "bystander"}, {"state": "new-ish"}):
        response = await world.gateway.get("/api/share/applications", params=params, headers=world.reviewer)
        assert_problem(response, 422)


# --- who may do what (A4.1, A15.2, A20.2) ------------------------------------------------------------------


@pytest.fixture(scope="module")
async def pending(world: SharingWorld) -> dict[str, Any]:
    """A conditional application of the consumer to the provider's city entry, awaiting both reviews."""
    return await world.applied(await world.publish("conditional"))


async def assert_still_requested(world: SharingWorld, application: dict[str, Any]) -> None:
    found = await world.application(application["id"])
    assert (found["state"], len(found["steps"])) == ("requested", 1)


async def test_another_agencys_officer_cannot_review_nor_learn_of_the_application_A20_2(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    refused = await world.review(pending["id"], "provider", "approve", world.outsider.officer)
    assert_problem(refused, 404)
    await assert_still_requested(world, pending)


async def test_the_consumer_cannot_approve_its_own_application_A20_2(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    problem = assert_problem(await world.review(pending["id"], "provider", "approve", world.consumer.officer), 403)
    assert problem["requirement"] == "A20.2"
    # Nor as the bureau: the gateway keeps bureau reviews to reviewers.
    assert_problem(await world.review(pending["id"], "bureau", "approve", world.consumer.officer), 403)
    await assert_still_requested(world, pending)


async def test_the_provider_agencys_system_decides_nothing_A20_2(world: SharingWorld, pending: dict[str, Any]) -> None:
    # Reviews are a person's decision (an officer's), not a system's: the gateway refuses it.
    problem = assert_problem(await world.review(pending["id"], "provider", "approve", world.provider.system), 403)
    assert problem["policy_route"] == "/applications/{application_id}/reviews/provider"
    await assert_still_requested(world, pending)


async def test_a_district_reviewer_cannot_review_a_city_entrys_application_A4_1(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    refused = await world.review(pending["id"], "bureau", "approve", world.district["reviewer"])
    assert assert_problem(refused, 403)["requirement"] == "A4.1"
    read = await world.gateway.get(f"/api/share/applications/{pending['id']}", headers=world.district["inspector"])
    assert assert_problem(read, 403)["requirement"] == "A4.1"
    await assert_still_requested(world, pending)


async def test_the_provider_cannot_withdraw_the_consumers_application(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    refused = await world.gateway.post(f"/api/share/applications/{pending['id']}/withdraw",
                                       headers=world.provider.officer)  # fmt: skip
    assert_problem(refused, 403)
    await assert_still_requested(world, pending)


async def test_an_agency_cannot_read_another_agencys_application_A15_2(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    for headers in (world.outsider.system, world.outsider.officer, world.provider.system):
        read = await world.gateway.get(f"/api/share/applications/{pending['id']}", headers=headers)
        assert_problem(read, 404)
    # The provider's officer, who reviews it, reads it.
    assert (await world.application(pending["id"], world.provider.officer))["id"] == pending["id"]


async def test_listings_hold_only_what_the_caller_may_see_A4_1_A15_2(
    world: SharingWorld, pending: dict[str, Any]
) -> None:
    async def listed(headers: dict[str, str], **params: str) -> set[str]:
        response = await world.gateway.get("/api/share/applications", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {a["id"] for a in response.json()}

    assert pending["id"] in await listed(world.consumer.system)
    assert pending["id"] in await listed(world.provider.officer, **{"as": "provider"})
    assert pending["id"] in await listed(world.reviewer)
    # An application the outsider makes to the same provider: its own, and nobody else's, in each list.
    own = await world.applied(pending["entry_id"], headers=world.outsider.system)
    assert await listed(world.outsider.system) == {own["id"]}
    assert await listed(world.outsider.officer, **{"as": "consumer"}) == {own["id"]}
    assert own["id"] not in await listed(world.consumer.officer)
    # The provider's system sees neither: it applies for its agency, it does not answer for it.
    assert await listed(world.provider.system) == set()
    # The district's operators see the district's applications only: both are for a city entry.
    assert await listed(world.district["inspector"]) == set()
    assert {pending["id"], own["id"]} <= await listed(world.reviewer, state="requested")
