"""The rules of share applications as pure functions: what may be applied for, by whom and how (A15.2, A19.2,
A20.1, A21.1, A38.1), how reviews decide and how long they may take (A20.2, A29.1), who sees and reviews what
(A4.1), and what a new catalogue version leaves of an application."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import OpenType, Secrecy, ShareType, UpdateCycle
from hub.internal_token import Caller
from hub.published_catalogue import PublishedVersion
from share_svc.applications.lifecycle import ApplicationAction
from share_svc.applications.rules import (
    Decision,
    ListingScope,
    Party,
    Side,
    application_action,
    decision_violations,
    item_violations,
    listing_scope,
    may_read,
    may_review,
    own_data_violation,
    period_violations,
    remaining_items,
    review_action,
    review_working_days,
    sharing_refusal,
    sharing_withdrawn,
    text_problem,
)

CITY, DISTRICT, SIBLING, STREET = "320200", "320205", "320206", "320205001"
CONSUMER, PROVIDER, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
BASIS = "《中华人民共和国居民身份证法》第十九条"


def item(name: str) -> DataItemSpec:
    return DataItemSpec(name=name, label=name, data_type="string")


def entry(**overrides: Any) -> PublishedVersion:
    fields: dict[str, Any] = {
        "entry_id": uuid.uuid4(), "code": "01-02/000123", "version": 1, "name": "常住人口基本信息",
        "summary": "…", "provider_agency_id": PROVIDER, "region_code": CITY, "category": None,
        "base_database": None, "share_type": ShareType.conditional, "share_conditions": "仅用于社保待遇资格认证",
        "share_method": None, "open_type": OpenType.not_open, "open_conditions": None,
        "update_cycle": UpdateCycle.daily, "secrecy": Secrecy.internal, "consent_required": False,
        "items": (item("id_number"), item("full_name"), item("address")), "published_at": NOW,
        "share_legal_basis": BASIS, "open_legal_basis": None, "retired_at": None, **overrides,
    }  # fmt: skip
    return PublishedVersion(**fields)


def system(agency: uuid.UUID) -> Caller:
    return Caller("police-system", "agency_system", ("agency_system",), str(agency), CITY)


def officer(agency: uuid.UUID) -> Caller:
    return Caller("police-officer", "agency_person", ("agency_officer",), str(agency), CITY)


def operator(role: str, region: str) -> Caller:
    return Caller(f"{role}-{region}", "operator", (role,), None, region)


# --- applying ---------------------------------------------------------------------------------------------------


def test_not_shared_data_is_refused_quoting_its_legal_basis_A19_2() -> None:
    refusal = sharing_refusal(entry(share_type=ShareType.not_shared))
    assert refusal is not None
    assert (refusal.requirement, refusal.field) == ("A19.2", "entry_id")
    assert BASIS in refusal.message


def test_secret_data_is_refused_as_secret_before_anything_else_A38_1() -> None:
    # The catalogue makes secret data not shared (A38.1): the refusal names secrecy, the stronger reason.
    refusal = sharing_refusal(entry(share_type=ShareType.not_shared, secrecy=Secrecy.secret))
    assert refusal is not None
    assert refusal.requirement == "A38.1"
    assert "secret" in refusal.message
    assert BASIS in refusal.message


@pytest.mark.parametrize("share_type", [ShareType.unconditional, ShareType.conditional])
def test_shared_data_may_be_applied_for_A19_1(share_type: ShareType) -> None:
    assert sharing_refusal(entry(share_type=share_type, secrecy=Secrecy.public)) is None


def test_unconditional_data_is_granted_at_once_and_conditional_data_reviewed_A20_1_A20_2() -> None:
    assert application_action(ShareType.unconditional) == ApplicationAction.apply_unconditional
    assert application_action(ShareType.conditional) == ApplicationAction.apply_conditional
    with pytest.raises(ValueError):
        application_action(ShareType.not_shared)


def test_an_agency_applies_for_no_entry_of_its_own_A15_2() -> None:
    found = own_data_violation(PROVIDER, PROVIDER)
    assert found is not None
    assert (found.field, found.requirement) == ("entry_id", "A15.2")
    assert own_data_violation(CONSUMER, PROVIDER) is None


def test_items_must_be_the_entrys_each_named_once_A21_1() -> None:
    declared = entry().items
    assert item_violations(["id_number", "address"], declared) == []
    found = item_violations(["id_number", "salary", "bank_account", "id_number"], declared)
    assert [(v.field, v.requirement) for v in found] == [("items", "A21.1"), ("items", "A21.1")]
    assert "salary, bank_account" in found[0].message
    assert "id_number" in found[1].message


def test_a_period_ends_after_it_starts_in_the_future_and_within_the_longest_grant_A21_1() -> None:
    assert period_violations(NOW, NOW + timedelta(days=1096), NOW, 1096) == []
    too_long = period_violations(NOW, NOW + timedelta(days=1096, seconds=1), NOW, 1096)
    assert [(v.field, v.requirement) for v in too_long] == [("valid_until", "A21.1")]
    backwards = period_violations(NOW + timedelta(days=2), NOW + timedelta(days=1), NOW, 1096)
    assert [v.message for v in backwards] == ["the period ends before it starts"]
    over = period_violations(NOW - timedelta(days=10), NOW, NOW, 1096)
    assert [v.message for v in over] == ["the period is already over"]


@pytest.mark.parametrize(
    ("text", "fine"),
    [("低保资格审核", True), ("  ", False), ("审核\n另一行", False), ("审核\t", False), ("a\x7fb", False),
     ("全角　空格", True)],
)  # fmt: skip
def test_a_purpose_is_one_line_of_text_A21_1(text: str, fine: bool) -> None:
    assert (text_problem(text) is None) is fine


# --- reviewing --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reasons", [[], [""], ["   ", "\u3000"]])
def test_a_refusal_without_a_reason_is_refused_A20_2(reasons: list[str]) -> None:
    found = decision_violations(Decision.refuse, reasons)
    assert [(v.field, v.requirement) for v in found] == [("reasons", "A20.2")]


def test_a_refusal_with_a_reason_and_an_approval_without_one_stand_A20_2() -> None:
    assert decision_violations(Decision.refuse, ["", "超出履职需要"]) == []
    assert decision_violations(Decision.approve, []) == []


def test_each_party_and_decision_is_its_own_step_A20_2() -> None:
    assert {(p, d): review_action(p, d) for p in Party for d in Decision} == {
        (Party.provider, Decision.approve): ApplicationAction.provider_approve,
        (Party.provider, Decision.refuse): ApplicationAction.provider_refuse,
        (Party.bureau, Decision.approve): ApplicationAction.bureau_approve,
        (Party.bureau, Decision.refuse): ApplicationAction.bureau_refuse,
    }


@pytest.mark.parametrize(
    ("region", "by_region", "days"),
    [
        (CITY, {}, 5),  # the default (A20.2: promptly)
        (DISTRICT, {CITY: 7}, 7),  # the city's setting holds in its districts
        (DISTRICT, {CITY: 7, DISTRICT: 3}, 3),  # the district's own wins over its city's
        (CITY, {CITY: 7, DISTRICT: 3}, 7),  # a district's setting never reaches its city
        (SIBLING, {DISTRICT: 3}, 5),  # nor a sibling district
        (STREET, {CITY: 7, DISTRICT: 3}, 3),  # a street follows its district
        ("330100", {CITY: 7}, 5),  # another city: the default
    ],
)
def test_review_working_days_come_from_the_most_specific_region_holding_the_entry_A20_2(
    region: str, by_region: dict[str, int], days: int
) -> None:
    assert review_working_days(region, 5, by_region) == days


def test_only_the_provider_agencys_officer_reviews_for_the_provider_A20_2() -> None:
    assert may_review(officer(PROVIDER), Party.provider, PROVIDER, CITY) is None
    refusals = [
        may_review(officer(CONSUMER), Party.provider, PROVIDER, CITY),  # the applicant approving itself
        may_review(system(PROVIDER), Party.provider, PROVIDER, CITY),  # a system decides nothing
        may_review(officer(OTHER), Party.provider, PROVIDER, CITY),
        may_review(operator("reviewer", CITY), Party.provider, PROVIDER, CITY),
    ]
    assert [r.requirement if r else None for r in refusals] == ["A20.2"] * 4


def test_only_a_reviewer_of_a_region_holding_the_entrys_reviews_for_the_bureau_A4_1() -> None:
    assert may_review(operator("reviewer", CITY), Party.bureau, PROVIDER, DISTRICT) is None
    assert may_review(operator("reviewer", DISTRICT), Party.bureau, PROVIDER, DISTRICT) is None
    outside = [may_review(operator("reviewer", DISTRICT), Party.bureau, PROVIDER, CITY),
               may_review(operator("reviewer", SIBLING), Party.bureau, PROVIDER, DISTRICT)]  # fmt: skip
    assert [r.requirement if r else None for r in outside] == ["A4.1", "A4.1"]
    others = [may_review(operator("administrator", CITY), Party.bureau, PROVIDER, CITY),
              may_review(officer(PROVIDER), Party.bureau, PROVIDER, CITY)]  # fmt: skip
    assert [r.requirement if r else None for r in others] == ["A20.2", "A20.2"]


# --- who sees what ----------------------------------------------------------------------------------------------


def test_the_parties_and_the_bureau_of_the_region_read_an_application_and_nobody_else_A4_1_A15_2() -> None:
    def reads(caller: Caller) -> bool:
        return may_read(caller, CONSUMER, PROVIDER, DISTRICT)

    assert all(map(reads, [system(CONSUMER), officer(CONSUMER), officer(PROVIDER), operator("inspector", CITY),
                           operator("reviewer", DISTRICT)]))  # fmt: skip
    assert not any(map(reads, [system(PROVIDER), officer(OTHER), system(OTHER), operator("reviewer", SIBLING),
                               Caller("anyone")]))  # fmt: skip


def test_a_listing_shows_an_agency_its_own_side_and_an_operator_its_region_A4_1() -> None:
    assert listing_scope(system(CONSUMER)) == ListingScope(consumer_agency_id=CONSUMER)
    assert listing_scope(officer(CONSUMER)) == ListingScope(consumer_agency_id=CONSUMER, provider_agency_id=CONSUMER)
    assert listing_scope(officer(CONSUMER), Side.provider) == ListingScope(provider_agency_id=CONSUMER)
    assert listing_scope(officer(CONSUMER), Side.consumer) == ListingScope(consumer_agency_id=CONSUMER)
    assert listing_scope(system(CONSUMER), Side.provider).empty
    assert listing_scope(operator("inspector", DISTRICT), Side.consumer) == ListingScope(region_code=DISTRICT)
    assert listing_scope(Caller("operator-without-region", "operator", ("reviewer",))).empty
    assert listing_scope(Caller("anyone")).empty


# --- the catalogue changes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "requirement"),
    [({"share_type": ShareType.not_shared}, "A19.2"), ({"secrecy": Secrecy.secret}, "A38.1")],
)
def test_a_version_no_longer_shared_ends_sharing_A19_2_A38_1(changes: dict[str, Any], requirement: str) -> None:
    reason = sharing_withdrawn(entry(version=3, **changes))
    assert reason is not None
    assert requirement in reason
    assert "version 3" in reason


def test_a_retired_entry_ends_sharing_and_a_shared_one_does_not() -> None:
    assert "retired" in (sharing_withdrawn(entry(retired_at=NOW)) or "")
    assert sharing_withdrawn(entry(share_type=ShareType.unconditional)) is None


def test_what_remains_of_an_application_is_the_items_the_new_version_declares_in_their_order() -> None:
    declared = (item("address"), item("id_number"))
    assert remaining_items(["full_name", "id_number", "address"], declared) == ["id_number", "address"]
    assert remaining_items(["full_name"], declared) == []
