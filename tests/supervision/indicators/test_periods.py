"""Periods of the indicator system as pure functions (A32.1): calendar quarters of local days, and the window a
period's figures cover."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from supervision_svc.indicators.periods import Period, Window, periods_from

WUXI = ZoneInfo("Asia/Shanghai")


def test_a_quarter_is_named_by_its_year_and_number_and_runs_from_its_first_local_day_A32_1() -> None:
    q4 = Period.parse("2026Q4")
    assert (q4.first_day, q4.last_day, q4.end_day) == (date(2026, 10, 1), date(2026, 12, 31), date(2027, 1, 1))
    # Midnight in Wuxi is 16:00 UTC the day before.
    assert q4.starts_at(WUXI) == datetime(2026, 9, 30, 16, tzinfo=UTC)
    assert [str(q4.previous()), str(q4.next())] == ["2026Q3", "2027Q1"]
    assert str(Period.parse("2027Q1").previous()) == "2026Q4"
    assert Period.of(date(2026, 3, 31)) == Period(2026, 1)
    assert [str(p) for p in periods_from(Period(2025, 4), Period(2026, 2))] == ["2025Q4", "2026Q1", "2026Q2"]
    assert periods_from(Period(2026, 2), Period(2026, 1)) == []


@pytest.mark.parametrize("text", ["2026Q5", "2026Q0", "26Q1", "2026-Q1", "0000Q1", "2026q1", "２０２６Q1"])
def test_anything_but_a_quarter_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="quarter"):
        Period.parse(text)


def test_a_running_period_is_read_up_to_now_with_today_among_its_days_and_a_closed_one_whole() -> None:
    q3 = Period(2026, 3)
    now = datetime(2026, 8, 17, 2, tzinfo=UTC)  # 10:00 in Wuxi
    running = Window.of(q3, now, WUXI)
    assert (running.as_of, running.first_day, running.end_day) == (now, date(2026, 7, 1), date(2026, 8, 18))
    closed = Window.of(Period(2026, 2), now, WUXI)
    assert (closed.as_of, closed.first_day, closed.end_day) == (
        datetime(2026, 6, 30, 16, tzinfo=UTC),
        date(2026, 4, 1),
        date(2026, 7, 1),
    )
    # At midnight the new day has not begun to count; a period not begun covers nothing.
    assert Window.of(q3, datetime(2026, 8, 16, 16, tzinfo=UTC), WUXI).end_day == date(2026, 8, 17)
    empty = Window.of(Period(2026, 4), now, WUXI)
    assert (empty.as_of, empty.first_day, empty.end_day) == (Period(2026, 4).starts_at(WUXI), date(2026, 10, 1),
                                                             date(2026, 10, 1))  # fmt: skip
