"""A consent's rules at their edges (A16.1, A15.1, A15.2): the instant it is given, the instant it would expire,
and which entry a coverage refusal names.

A consent given at this very instant is not given in the future; one expiring the instant it is given would hold
for no time at all, so it is refused, and one expiring a microsecond later is not. A refusal names the entry at
fault, so an agency can tell its own published entry (covered) from another agency's (A15.2) or an unpublished
one (A15.1).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aggregation_svc.consent.rules import consent_violations, coverage_violations

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TICK = timedelta(microseconds=1)


def consent(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "320200199001011234", "purpose": "办理居住证", "method": "线上勾选同意",
        "scope": "居住地址、联系电话", "query_channel": "无锡市政务服务网", "correction_channel": "12345 热线",
        "entry_ids": [uuid.uuid4()], "given_at": NOW, "expires_at": None, **overrides,
    }  # fmt: skip


def fields(found: list[Any]) -> list[str]:
    return [v.field for v in found]


def test_a_consent_given_at_this_instant_is_not_given_in_the_future_A16_1() -> None:
    assert consent_violations(consent(given_at=NOW), NOW) == []
    assert fields(consent_violations(consent(given_at=NOW + TICK), NOW)) == ["given_at"]


def test_a_consent_expiring_the_instant_it_is_given_is_refused_and_a_microsecond_later_is_not_A16_1() -> None:
    given = NOW - timedelta(days=1)
    assert fields(consent_violations(consent(given_at=given, expires_at=given), NOW)) == ["expires_at"]
    assert consent_violations(consent(given_at=given, expires_at=given + TICK), NOW) == []


def test_a_consent_over_the_recording_agencys_own_published_entries_has_no_coverage_violation_A15_2() -> None:
    agency, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert coverage_violations([first, second], {first: agency, second: agency}, agency) == []


def test_a_coverage_refusal_names_the_entry_of_another_agency_and_the_unpublished_one_A15_1_A15_2() -> None:
    agency, other_agency = uuid.uuid4(), uuid.uuid4()
    own, others, unpublished = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    found = coverage_violations([own, others, unpublished], {own: agency, others: other_agency}, agency)
    assert [(v.requirement, v.message) for v in found] == [
        ("A15.2", f"{others} is another agency's entry"),
        ("A15.1", f"{unpublished} is not a published entry"),
    ]
