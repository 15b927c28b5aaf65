"""The data-quality indicators as pure functions, without a database (A25.1, A32.1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from aggregation_svc.quality.rules import CYCLE_DAYS, completeness, overall_score, timeliness, uniqueness, validity

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PUBLISHED = NOW - timedelta(days=400)


def test_completeness_is_the_share_of_records_with_every_declared_item_present_A25_1() -> None:
    assert completeness(3, 4) == 0.75
    assert completeness(0, 0) is None


def test_validity_is_the_share_of_pushed_rows_accepted_A25_1() -> None:
    assert validity(accepted_rows=9, quarantined_rows=1) == 0.9
    assert validity(0, 3) == 0.0
    assert validity(0, 0) is None


def test_uniqueness_is_distinct_keys_over_records_A25_1() -> None:
    assert uniqueness(5, 5) == 1.0
    assert uniqueness(4, 5) == 0.8
    assert uniqueness(0, 0) is None


@pytest.mark.parametrize(
    ("cycle", "days"),
    # The longest period of each kind, counted on the calendar: a 31-day month, July to September, July to
    # December (31+31+30+31+30+31 = 184), a leap year.
    [("real_time", 1), ("daily", 1), ("weekly", 7), ("monthly", 31), ("quarterly", 92), ("half_yearly", 184),
     ("yearly", 366)],
)  # fmt: skip
def test_an_entry_is_stale_once_a_whole_update_cycle_passed_since_its_last_ingest_A25_1(cycle: str, days: int) -> None:
    last = NOW - timedelta(days=days)
    assert timeliness(cycle, last, PUBLISHED, NOW).stale is False
    assert timeliness(cycle, last, PUBLISHED, NOW).due_by == NOW
    assert timeliness(cycle, last - timedelta(seconds=1), PUBLISHED, NOW).stale is True


def test_an_irregular_entry_is_never_stale_A25_1() -> None:
    assert timeliness("irregular", None, PUBLISHED, NOW) == timeliness("irregular", PUBLISHED, PUBLISHED, NOW)
    assert timeliness("irregular", None, PUBLISHED, NOW).stale is False
    assert timeliness("irregular", None, PUBLISHED, NOW).due_by is None
    assert set(CYCLE_DAYS) >= {"daily", "irregular"}


def test_an_entry_never_ingested_is_due_one_cycle_after_its_publication_A25_1() -> None:
    assert timeliness("daily", None, NOW - timedelta(hours=23), NOW).stale is False
    assert timeliness("daily", None, NOW - timedelta(hours=25), NOW).stale is True


def test_the_overall_score_averages_the_indicators_present_with_timeliness_as_one_or_zero_A32_1() -> None:
    assert overall_score(1.0, 0.5, 1.0, stale=False) == pytest.approx(0.875)
    assert overall_score(1.0, 1.0, 1.0, stale=True) == pytest.approx(0.75)
    assert overall_score(None, None, None, stale=True) == 0.0
    assert overall_score(None, 0.5, None, stale=False) == 0.75
