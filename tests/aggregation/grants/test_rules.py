"""The checks of a grant against a delivery, and how grant events combine (A21.1): pure functions, no database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from itertools import permutations
from typing import Any

import pytest

from aggregation_svc.grants.models import Grant
from aggregation_svc.grants.rules import (
    Check,
    Refusal,
    decide,
    held_by,
    narrowed,
    purpose_declared,
    refusal,
    revoked_first,
)

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AGENCY = uuid.UUID("5a1e0000-0000-4000-8000-000000000001")
ENTRY = uuid.UUID("e0000000-0000-4000-8000-000000000001")
PURPOSE = "低保资格审核"


def grant(**overrides: Any) -> Grant:
    """A grant of AGENCY for ENTRY, live at NOW, for PURPOSE, of two items."""
    fields: dict[str, Any] = {
        "grant_id": uuid.uuid4(), "entry_id": ENTRY, "application_id": uuid.uuid4(), "consumer_agency_id": AGENCY,
        "provider_agency_id": uuid.uuid4(), "items": ["full_name", "allowance"], "purpose": PURPOSE,
        "valid_from": NOW - timedelta(days=1), "valid_until": NOW + timedelta(days=1),
        "issued_at": NOW - timedelta(days=1), "fingerprint_key": b"k" * 32,
    }  # fmt: skip
    return Grant(**(fields | overrides))


def test_a_live_grant_allows_its_items_for_its_purpose_A21_1() -> None:
    assert refusal(grant(), PURPOSE, ["allowance"], NOW) is None
    assert refusal(grant(), PURPOSE, None, NOW) is None


def test_the_period_holds_from_its_first_moment_up_to_but_not_at_its_end_A21_1() -> None:
    starts, ends = NOW, NOW + timedelta(hours=1)
    period = grant(valid_from=starts, valid_until=ends)
    assert refusal(period, PURPOSE, None, starts) is None
    assert refusal(period, PURPOSE, None, ends - timedelta(microseconds=1)) is None
    expired = refusal(period, PURPOSE, None, ends)
    assert expired is not None
    assert expired.check == Check.expired
    assert ends.isoformat() in expired.detail
    early = refusal(period, PURPOSE, None, starts - timedelta(microseconds=1))
    assert early is not None
    assert early.check == Check.not_yet_valid
    assert starts.isoformat() in early.detail


def test_a_revoked_grant_allows_nothing_and_says_when_and_why_A21_1() -> None:
    at = NOW - timedelta(minutes=1)
    found = refusal(grant(revoked_at=at, revoke_reason="提供部门撤销共享"), PURPOSE, None, NOW)
    assert found is not None
    assert found.check == Check.revoked
    assert "提供部门撤销共享" in found.detail
    assert at.isoformat() in found.detail


def test_another_purpose_is_refused_naming_the_header_and_the_same_purpose_otherwise_written_is_not_A21_1() -> None:
    other = refusal(grant(), "信用评价", None, NOW)
    assert other is not None
    assert (other.check, other.field) == (Check.purpose, "x-hub-purpose")
    assert refusal(grant(), f"　{PURPOSE}  ", None, NOW) is None  # full-width space, trailing spaces


def test_items_outside_the_grant_are_named_A21_1() -> None:
    found = refusal(grant(), PURPOSE, ["full_name", "id_number", "age"], NOW)
    assert found is not None
    assert (found.check, found.field, found.items) == (Check.items, "items", ("age", "id_number"))


def test_a_grant_narrowed_to_nothing_allows_nothing_A21_1() -> None:
    found = refusal(grant(items=[]), PURPOSE, None, NOW)
    assert found is not None
    assert found.check == Check.items


def test_only_an_issued_grant_of_the_callers_agency_for_the_entry_is_held_A21_1() -> None:
    assert held_by(grant(), AGENCY, ENTRY)
    assert not held_by(grant(), uuid.uuid4(), ENTRY)
    assert not held_by(grant(), AGENCY, uuid.uuid4())
    tombstone = Grant(grant_id=uuid.uuid4(), entry_id=ENTRY, revoked_at=NOW, fingerprint_key=b"k" * 32)
    assert not held_by(tombstone, AGENCY, ENTRY)


def test_of_several_grants_that_allow_a_pull_the_latest_issued_is_used_A21_1() -> None:
    older, newer = grant(issued_at=NOW - timedelta(days=9)), grant(issued_at=NOW - timedelta(hours=1))
    assert decide([newer, older], PURPOSE, None, NOW, named=False) is newer
    assert decide([older, newer], PURPOSE, None, NOW, named=False) is newer


def test_without_a_named_grant_only_grants_of_the_declared_purpose_are_considered_A21_1() -> None:
    expired_same = grant(valid_until=NOW - timedelta(days=1), valid_from=NOW - timedelta(days=2))
    live_other = grant(purpose="防汛人员核查")
    found = decide([expired_same, live_other], PURPOSE, None, NOW, named=False)
    assert isinstance(found, Refusal)
    assert found.check == Check.expired
    none = decide([live_other], PURPOSE, None, NOW, named=False)
    assert isinstance(none, Refusal)
    assert (none.check, none.field) == (Check.purpose, "x-hub-purpose")


def test_the_reason_told_is_that_of_the_grant_closest_to_allowing_the_pull_A21_1() -> None:
    revoked = grant(revoked_at=NOW)
    narrow = grant(items=["full_name"])
    found = decide([revoked, narrow], PURPOSE, ["allowance"], NOW, named=False)
    assert isinstance(found, Refusal)
    assert found.check == Check.items


@pytest.mark.parametrize(
    ("header", "purpose"),
    [
        ("%E4%BD%8E%E4%BF%9D%E8%B5%84%E6%A0%BC%E5%AE%A1%E6%A0%B8", PURPOSE),  # RFC 3986 percent-encoded UTF-8
        ("%E4%BD%8E" * 200, "低" * 200),  # the longest purpose an application may state
    ],
)
def test_a_declared_purpose_is_read_percent_decoded_A21_1(header: str, purpose: str) -> None:
    assert purpose_declared(header) == (purpose, None)


@pytest.mark.parametrize(
    "header",
    [None, "", "  ", "%E4%BD%8E" * 201, "%00", "%0A", "%7F", "%C2%85", "%FF", "%E4%BD"],
)
def test_an_absent_overlong_or_hostile_purpose_is_a_problem_A21_1(header: str | None) -> None:
    purpose, problem = purpose_declared(header)
    assert purpose is None
    assert problem


def test_a_narrowing_never_widens_a_grant_A21_1() -> None:
    assert narrowed(["full_name"], ["full_name", "id_number"]) == ["full_name"]
    assert narrowed(["full_name", "age", "allowance"], ["allowance", "full_name"]) == ["full_name", "allowance"]
    assert narrowed(None, ["age"]) == ["age"]  # heard before the issue: the most it will hold


def test_narrowings_combine_the_same_in_any_order_A21_1() -> None:
    issued = ["id_number", "full_name", "age", "allowance"]
    narrowings = [["full_name", "age", "allowance"], ["id_number", "full_name", "allowance"], ["full_name", "age"]]
    results = set()
    for order in permutations(narrowings):
        items: list[str] | None = issued
        for to in order:
            items = narrowed(items, to)
        results.add(tuple(items or ()))
    assert results == {("full_name",)}


def test_the_first_revocation_stands_whichever_arrives_first_A21_1() -> None:
    first, second = NOW - timedelta(hours=1), NOW
    assert revoked_first(None, second) == second
    assert revoked_first(second, first) == first
    assert revoked_first(first, second) == first
