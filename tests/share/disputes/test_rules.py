"""The rules of disputes as pure functions (A20.3, A4.1, A15.2): who raises and who reads a dispute, which bureau
acts on it, what a decision and a government's decision must state. Expected values come from the Measures and
GB/T 2260 (320200 Wuxi; 320205 Xishan lies within it; 320206 Huishan is its sibling; 320500 Suzhou another city)."""

from __future__ import annotations

import uuid
from datetime import date

from hub.internal_token import Caller
from share_svc.applications.lifecycle import ApplicationAction
from share_svc.disputes.lifecycle import DisputeOutcome
from share_svc.disputes.rules import (
    OUTCOME_ACTIONS,
    acts_for_provider,
    decided_on_problems,
    in_region,
    is_operator,
    may_raise,
    party_sees,
    provider_reads,
    reasons_problems,
)

CONSUMER, PROVIDER, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def agency(role: str, agency_id: uuid.UUID) -> Caller:
    return Caller(subject=f"{role}-1", kind="agency", roles=(role,), agency_id=str(agency_id), region_code="320200")


def operator(role: str, region: str) -> Caller:
    return Caller(subject=f"{role}-1", kind="operator", roles=(role,), region_code=region)


def test_only_the_consumer_agencys_system_or_officer_raises_a_dispute_A20_3() -> None:
    assert may_raise(agency("agency_system", CONSUMER), CONSUMER)
    assert may_raise(agency("agency_officer", CONSUMER), CONSUMER)
    assert not may_raise(agency("agency_admin", CONSUMER), CONSUMER)  # it manages clients only (A15.2)
    assert not may_raise(agency("ingest_job", CONSUMER), CONSUMER)
    assert not may_raise(agency("agency_system", OTHER), CONSUMER)
    assert not may_raise(operator("administrator", "320200"), CONSUMER)
    assert acts_for_provider(agency("agency_system", PROVIDER), PROVIDER)
    assert not acts_for_provider(agency("agency_system", CONSUMER), PROVIDER)


def test_the_parties_read_a_dispute_the_consumer_wholly_the_provider_by_its_officers_A15_2() -> None:
    assert party_sees(agency("agency_system", CONSUMER), CONSUMER, PROVIDER)
    assert party_sees(agency("agency_officer", CONSUMER), CONSUMER, PROVIDER)
    assert party_sees(agency("agency_officer", PROVIDER), CONSUMER, PROVIDER)
    assert provider_reads(agency("agency_officer", PROVIDER), PROVIDER)
    assert not party_sees(agency("agency_system", PROVIDER), CONSUMER, PROVIDER)
    assert not party_sees(agency("agency_officer", OTHER), CONSUMER, PROVIDER)
    assert not party_sees(operator("reviewer", "320200"), CONSUMER, PROVIDER)


def test_the_bureau_of_the_region_or_of_the_city_holding_it_acts_never_a_sibling_A4_1() -> None:
    assert in_region(operator("reviewer", "320200"), "320200")
    assert in_region(operator("reviewer", "320200"), "320205")
    assert in_region(operator("reviewer", "320205"), "320205")
    assert not in_region(operator("administrator", "320205"), "320200")
    assert not in_region(operator("administrator", "320206"), "320205")
    assert not in_region(operator("administrator", "320500"), "320205")
    assert not in_region(Caller(subject="x", roles=("reviewer",)), "320200")  # an operator without a region
    assert [is_operator(operator(role, "320200")) for role in ("reviewer", "administrator", "inspector")] == [True] * 3
    assert not is_operator(agency("agency_officer", CONSUMER))


def test_a_decision_or_escalation_without_a_reason_that_is_not_blank_is_refused_A20_3() -> None:
    for reasons in ([], [""], ["  ", "\t\n"]):
        assert reasons_problems(reasons) == [
            {"field": "body.reasons", "message": "give at least one reason that is not blank", "requirement": "A20.3"}
        ]
    assert reasons_problems(["", "申请用途超出法定职责"]) == []


def test_the_governments_decision_is_dated_after_the_escalation_and_not_after_today_A20_3() -> None:
    escalated, today = date(2026, 3, 4), date(2026, 3, 6)
    assert decided_on_problems(date(2026, 3, 4), escalated, today) == []
    assert decided_on_problems(date(2026, 3, 6), escalated, today) == []
    assert [p["field"] for p in decided_on_problems(date(2026, 3, 3), escalated, today)] == ["body.decided_on"]
    assert [p["field"] for p in decided_on_problems(date(2026, 3, 7), escalated, today)] == ["body.decided_on"]


def test_upheld_grants_the_application_and_dismissed_closes_it_A20_3() -> None:
    assert {
        DisputeOutcome.upheld: ApplicationAction.uphold,
        DisputeOutcome.dismissed: ApplicationAction.dismiss,
    } == OUTCOME_ACTIONS
