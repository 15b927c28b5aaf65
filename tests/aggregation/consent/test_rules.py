"""The rules a consent record obeys, without a database (A16.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from aggregation_svc.consent.rules import consent_violations, coverage_violations, holds

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def consent(**overrides: Any) -> dict[str, Any]:
    return {
        "subject": "320200199001011234", "purpose": "办理居住证", "method": "线上勾选同意",
        "scope": "居住地址、联系电话", "query_channel": "无锡市政务服务网", "correction_channel": "12345 热线",
        "entry_ids": [uuid.uuid4()],
        "given_at": NOW - timedelta(days=1), "expires_at": None, **overrides,
    }  # fmt: skip


def test_a_complete_consent_has_no_violation_A16_1() -> None:
    assert consent_violations(consent(), NOW) == []


def test_what_the_subject_must_be_told_is_each_required_A16_1() -> None:
    blank = consent(purpose="", method=" ", scope=None, query_channel="", correction_channel="")
    found = consent_violations(blank, NOW)
    assert {v.field for v in found} == {"purpose", "method", "scope", "query_channel", "correction_channel"}
    assert {v.requirement for v in found} == {"A16.1"}


def test_a_consent_covers_an_entry_is_not_given_in_the_future_and_does_not_expire_before_it_is_given_A16_1() -> None:
    found = consent_violations(consent(entry_ids=[], given_at=NOW + timedelta(hours=1), expires_at=NOW), NOW)
    assert {v.field for v in found} == {"entry_ids", "given_at", "expires_at"}


def test_a_consent_covers_only_published_entries_of_the_recording_agency_A15_1_A15_2() -> None:
    own, other, unknown = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    agency, other_agency = uuid.uuid4(), uuid.uuid4()
    found = coverage_violations([own, other, unknown], {own: agency, other: other_agency}, agency)
    assert [v.requirement for v in found] == ["A15.2", "A15.1"]


def test_a_consent_holds_until_revoked_or_expired_A16_1() -> None:
    assert holds(None, None, NOW)
    assert holds(None, NOW + timedelta(seconds=1), NOW)
    assert not holds(None, NOW, NOW)
    assert not holds(NOW - timedelta(days=1), None, NOW)
