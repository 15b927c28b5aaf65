"""The rules of disputes (A20.3) as pure functions: who sees and who acts on a dispute, what a decision needs.

Each returns what it found (a bool, or the problems as `errors` entries naming the field); the service turns them
into one problem+json answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Any

from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency
from share_svc.applications.lifecycle import ApplicationAction
from share_svc.disputes.lifecycle import DisputeOutcome


class DecidedBy(StrEnum):
    """Who decided a dispute: the bureau itself, or the region's government it was escalated to (A20.3)."""

    bureau = "bureau"
    government = "government"


# What an outcome does to the disputed application: upheld grants it, dismissed closes it (A20.3).
OUTCOME_ACTIONS = {DisputeOutcome.upheld: ApplicationAction.uphold, DisputeOutcome.dismissed: ApplicationAction.dismiss}
# Who acts for an agency that is party to an application: its systems and its officers (the design's table).
AGENCY_PARTIES = (Role.agency_system, Role.agency_officer)


def is_operator(caller: Caller) -> bool:
    """Whether the caller is a bureau operator (reviewer, administrator or inspector), who acts in a region."""
    return not {str(role) for role in OPERATOR_ROLES}.isdisjoint(caller.roles)


def in_region(caller: Caller, region_code: str) -> bool:
    """Whether the operator's region holds `region_code`: the city's bureau acts on its districts' disputes, a
    district's bureau on its own only (A4.1)."""
    return caller.region_code is not None and region_contains(caller.region_code, region_code)


def may_raise(caller: Caller, consumer_agency_id: object) -> bool:
    """Only the refused applicant disputes a refusal: a system or an officer of the consumer agency (A20.3). They
    read its disputes too."""
    return acts_for_agency(caller, consumer_agency_id, *AGENCY_PARTIES)


def acts_for_provider(caller: Caller, provider_agency_id: object) -> bool:
    """Whether the caller acts for the provider agency, which knows the application but may not dispute it."""
    return acts_for_agency(caller, provider_agency_id, *AGENCY_PARTIES)


def provider_reads(caller: Caller, provider_agency_id: object) -> bool:
    """The provider agency's officers (who reviewed the application, A20.2) read its disputes."""
    return acts_for_agency(caller, provider_agency_id, Role.agency_officer)


def party_sees(caller: Caller, consumer_agency_id: object, provider_agency_id: object) -> bool:
    """Whether the caller reads the dispute as a party: the consumer agency's systems and officers, the provider
    agency's officers (A20.3, A15.2)."""
    return may_raise(caller, consumer_agency_id) or provider_reads(caller, provider_agency_id)


def reasons_problems(reasons: Sequence[str], field: str = "body.reasons") -> list[dict[str, Any]]:
    """A decision and an escalation give their reasons: at least one that is not blank (A20.3)."""
    if any(reason.strip() for reason in reasons):
        return []
    return [{"field": field, "message": "give at least one reason that is not blank", "requirement": "A20.3"}]


def decided_on_problems(decided_on: date, escalated_on: date, today: date) -> list[dict[str, Any]]:
    """The government's decision was made after the dispute was escalated to it, and not after today (A20.3)."""
    if decided_on > today:
        return [{"field": "body.decided_on", "message": f"{decided_on} is after today ({today})"}]
    if decided_on < escalated_on:
        return [{"field": "body.decided_on", "message": f"{decided_on} is before the escalation ({escalated_on})"}]
    return []
