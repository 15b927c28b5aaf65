"""The catalogue update deadline (A14.2): 15 working days, checked against chinese_calendar across holidays; a
notice's state derives from its deadline's marks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest

from catalog_svc.deadlines.rules import due_date, notice_state
from hub.deadlines import DueDate
from hub.workdays import CalendarOverrides, WorkingCalendar


def days_after(start: date) -> Iterator[date]:
    day = start
    while True:
        day += timedelta(days=1)
        yield day


def fifteenth_working_day_after(start: date) -> date:
    """Counted independently of hub.workdays, straight from chinese_calendar."""
    working = (d for d in days_after(start) if chinese_calendar.is_workday(d))
    return [d for _, d in zip(range(15), working, strict=False)][-1]


def fifteenth_weekday_after(start: date) -> date:
    weekdays = (d for d in days_after(start) if d.weekday() < 5)
    return [d for _, d in zip(range(15), weekdays, strict=False)][-1]


@pytest.mark.parametrize(
    ("opened_on", "due_on", "holiday", "weekend_working_days"),
    [
        # 2025 National Day and Mid-Autumn: 1–8 October off; Sunday 28 September and Saturday 11 October worked.
        (date(2025, 9, 26), date(2025, 10, 23), date(2025, 10, 1), (date(2025, 9, 28), date(2025, 10, 11))),
        # 2025 Spring Festival: 28 January – 4 February off; Sunday 26 January and Saturday 8 February worked.
        (date(2025, 1, 20), date(2025, 2, 14), date(2025, 1, 29), (date(2025, 1, 26), date(2025, 2, 8))),
    ],
)
def test_an_update_is_due_15_working_days_after_the_notice_A14_2(
    opened_on: date, due_on: date, holiday: date, weekend_working_days: tuple[date, ...]
) -> None:
    assert chinese_calendar.is_holiday(holiday)
    assert all(d.weekday() >= 5 and chinese_calendar.is_workday(d) for d in weekend_working_days)
    assert fifteenth_working_day_after(opened_on) == due_on

    assert due_date(opened_on, WorkingCalendar()) == DueDate(due_on, provisional=False)
    assert due_on != fifteenth_weekday_after(opened_on)  # the holidays and 调休 days matter


def test_the_due_date_follows_the_operators_calendar_overrides_A14_2() -> None:
    calendar = WorkingCalendar(CalendarOverrides(holidays={date(2025, 10, 23): "extra holiday"}))
    assert due_date(date(2025, 9, 26), calendar) == DueDate(date(2025, 10, 24), provisional=False)


FLAGGED_AT = datetime(2025, 10, 24, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("closed_on", "overdue_notified_at", "state"),
    [
        (None, None, "open"),
        (None, FLAGGED_AT, "overdue"),  # announced overdue by the sweep, not met yet
        (date(2025, 10, 20), None, "met"),
        (date(2025, 10, 30), FLAGGED_AT, "met"),  # met late: met, counted late by met_late
    ],
)
def test_a_notice_is_met_once_updated_and_overdue_once_announced_so_A14_2(
    closed_on: date | None, overdue_notified_at: datetime | None, state: str
) -> None:
    assert notice_state(closed_on, overdue_notified_at) == state
