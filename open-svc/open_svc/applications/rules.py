"""The rules of conditional open applications (A24.2) as pure functions: what an application and a decision need,
and who reads and answers one. Each returns what it found; the service turns violations into one problem+json."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Literal

from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency
from hub.violations import Violation

# The collecting agency answers within 10 working days of the application (A24.2).
ANSWER_WORKING_DAYS = 10
# What a listing may ask for beside states: answers due within 3 working days, or past due (A24.2).
Deadline = Literal["approaching", "overdue"]


def item_violations(asked: Sequence[str], allowed: Collection[str], field: str = "items") -> list[Violation]:
    """What is wrong with a list of data items: each must be an item of `allowed`, at most once, and at least one
    asked (A24.2: the application names the items it needs)."""
    found = []
    if not asked:
        found.append(Violation(field, "name at least one data item", "A24.2"))
    unknown = [name for name in dict.fromkeys(asked) if name not in allowed]
    if unknown:
        found.append(Violation(field, f"not items of the dataset: {', '.join(unknown)}", "A24.2"))
    if len(set(asked)) != len(asked):
        found.append(Violation(field, "an item is named more than once", "A24.2"))
    return found


def decision_violations(
    refusing: bool, reasons: Sequence[str], approved: Sequence[str], asked: Sequence[str]
) -> list[Violation]:
    """What a decision lacks: a refusal gives its reasons (A24.2); an approval grants only items that were asked,
    and one granting fewer than asked refuses the rest, so it gives its reasons too."""
    given = [reason for reason in reasons if reason.strip()]
    if refusing:
        return [] if given else [Violation("reasons", "a refusal gives its reasons", "A24.2")]
    found = item_violations(approved, asked)
    if not found and set(approved) != set(asked) and not given:
        found.append(Violation("reasons", "approving fewer items than asked refuses the others: give reasons", "A24.2"))
    return found


def is_operator(caller: Caller) -> bool:
    """Whether the caller is a bureau operator, who acts within a region (A4.1)."""
    return not {str(role) for role in OPERATOR_ROLES}.isdisjoint(caller.roles)


def answers_for(caller: Caller, agency_id: object) -> bool:
    """Whether the caller is an officer of the collecting agency, who answers its applications (A24.2)."""
    return acts_for_agency(caller, agency_id, Role.agency_officer)


def is_applicant(caller: Caller, applicant: str) -> bool:
    """Whether the caller is the portal user who applied."""
    return Role.portal_user in caller.roles and caller.subject == applicant


def bureau_holds(caller: Caller, region_code: str) -> bool:
    """Whether the caller is an operator of the bureau whose region holds the entry's (A4.1)."""
    return is_operator(caller) and caller.region_code is not None and region_contains(caller.region_code, region_code)


def may_read(caller: Caller, applicant: str, agency_id: object, region_code: str) -> bool:
    """The applicant, the collecting agency's officers and the bureau of the region read an application."""
    return is_applicant(caller, applicant) or answers_for(caller, agency_id) or bureau_holds(caller, region_code)
