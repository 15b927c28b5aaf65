"""Working-day calendar used for the A14.2 (15 working days) and A24.2 (10 working days) deadlines."""

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from hub.workdays import (
    CalendarNotCovered,
    CalendarOverrides,
    WorkingCalendar,
    add_working_days,
    year_schedule_errors,
)
from hub.workdays import main as workdays_main

CALENDAR = WorkingCalendar()

# The last year the bundled chinese_calendar data knows; the year after it is covered by nothing.
LAST_BUNDLED_YEAR = max(d.year for d in chinese_calendar.holidays)
FIRST_UNBUNDLED_YEAR = LAST_BUNDLED_YEAR + 1


def _check_facts(holidays: list[date], adjusted_workdays: list[date], festival: str) -> None:
    """Check our memory of a real holiday against chinese_calendar itself, not the code under test."""
    for day in holidays:
        assert chinese_calendar.get_holiday_detail(day) == (True, festival), day
    for day in adjusted_workdays:
        assert day.weekday() >= 5, f"{day} is not a weekend day"
        assert chinese_calendar.get_holiday_detail(day) == (False, festival), day


@pytest.fixture
def spring_festival_2024() -> None:
    # Holiday Sat 10 – Sat 17 Feb 2024; adjusted working days Sun 4 Feb and Sun 18 Feb.
    _check_facts(
        holidays=[date(2024, 2, d) for d in range(10, 18)],
        adjusted_workdays=[date(2024, 2, 4), date(2024, 2, 18)],
        festival="Spring Festival",
    )


@pytest.fixture
def national_day_2024() -> None:
    # Holiday Tue 1 – Mon 7 Oct 2024; adjusted working days Sun 29 Sep and Sat 12 Oct.
    _check_facts(
        holidays=[date(2024, 10, d) for d in range(1, 8)],
        adjusted_workdays=[date(2024, 9, 29), date(2024, 10, 12)],
        festival="National Day",
    )


def _overrides_2099() -> CalendarOverrides:
    # 1 Jan 2099 is a Thursday: holiday Thu 1 – Sat 3 Jan, adjusted working day Sun 4 Jan.
    return CalendarOverrides(
        holidays={
            date(2099, 1, 1): "New Year's Day",
            date(2099, 1, 2): "New Year's Day",
            date(2099, 1, 3): "New Year's Day",
        },
        workdays={date(2099, 1, 4): "New Year's Day adjusted working day"},
    )


def _write_overrides(path: Path, holidays: dict[str, str], workdays: dict[str, str]) -> Path:
    path.write_text(json.dumps({"holidays": holidays, "workdays": workdays}), encoding="utf-8")
    return path


# --- single days ---------------------------------------------------------------------------


def test_ordinary_weekend_day_is_not_a_working_day() -> None:
    assert chinese_calendar.get_holiday_detail(date(2024, 3, 2)) == (True, None)  # plain Saturday
    assert CALENDAR.is_working_day(date(2024, 3, 2)) is False
    assert CALENDAR.is_working_day(date(2024, 3, 3)) is False


def test_ordinary_weekday_is_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2024, 3, 4)) is True  # plain Monday


def test_adjusted_weekend_working_day_is_a_working_day(spring_festival_2024: None) -> None:
    assert CALENDAR.is_working_day(date(2024, 2, 4)) is True  # Sunday, 调休
    assert CALENDAR.is_working_day(date(2024, 2, 18)) is True  # Sunday, 调休


def test_public_holiday_on_a_weekday_is_not_a_working_day(spring_festival_2024: None) -> None:
    assert CALENDAR.is_working_day(date(2024, 2, 12)) is False  # Monday of Spring Festival


def test_datetime_is_judged_by_its_date(spring_festival_2024: None) -> None:
    assert CALENDAR.is_working_day(datetime(2024, 2, 4, 9, 30)) is True
    assert CALENDAR.add_working_days(datetime(2024, 2, 9, 17, 0), 1) == date(2024, 2, 18)


# --- deadlines -----------------------------------------------------------------------------


def test_fifteen_working_days_across_spring_festival_skip_holiday_and_count_adjusted_weekend_A14_2(
    spring_festival_2024: None,
) -> None:
    # Start Thu 1 Feb 2024 (not counted).
    #  1 Fri 2 Feb | (Sat 3 rest) | 2 Sun 4 Feb (调休) | 3-7 Mon 5 – Fri 9 Feb
    #  (Sat 10 – Sat 17 Spring Festival) | 8 Sun 18 Feb (调休) | 9-13 Mon 19 – Fri 23 Feb
    #  (Sat 24, Sun 25 rest) | 14 Mon 26 Feb | 15 Tue 27 Feb
    # Weekends-only counting would give Thu 22 Feb; ignoring 调休 would give Thu 29 Feb.
    assert CALENDAR.add_working_days(date(2024, 2, 1), 15) == date(2024, 2, 27)


def test_ten_working_days_across_national_day_skip_holiday_and_count_adjusted_weekends_A24_2(
    national_day_2024: None,
) -> None:
    # Application received Fri 27 Sep 2024 (not counted).
    #  (Sat 28 rest) | 1 Sun 29 Sep (调休) | 2 Mon 30 Sep | (Tue 1 – Mon 7 Oct National Day)
    #  3-6 Tue 8 – Fri 11 Oct | 7 Sat 12 Oct (调休) | (Sun 13 rest) | 8-10 Mon 14 – Wed 16 Oct
    assert CALENDAR.add_working_days(date(2024, 9, 27), 10) == date(2024, 10, 16)


def test_deadline_starting_on_a_holiday_counts_from_the_next_working_day(
    spring_festival_2024: None,
) -> None:
    # Start Mon 12 Feb (holiday): 13–17 holiday, 1 Sun 18 Feb (调休), 2 Mon 19 Feb.
    assert CALENDAR.add_working_days(date(2024, 2, 12), 2) == date(2024, 2, 19)


def test_zero_working_days_returns_the_start_even_on_a_holiday(spring_festival_2024: None) -> None:
    assert CALENDAR.add_working_days(date(2024, 2, 12), 0) == date(2024, 2, 12)
    assert CALENDAR.add_working_days(date(2024, 3, 4), 0) == date(2024, 3, 4)


def test_negative_working_days_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_working_days(date(2024, 3, 4), -1)
    with pytest.raises(ValueError, match="negative"):
        add_working_days(date(2024, 3, 4), -5)


def test_module_function_uses_bundled_calendar_by_default(spring_festival_2024: None) -> None:
    assert add_working_days(date(2024, 2, 1), 15) == date(2024, 2, 27)


def test_module_function_uses_the_calendar_it_is_given() -> None:
    assert add_working_days(date(2099, 1, 1), 1, WorkingCalendar(_overrides_2099())) == date(2099, 1, 4)


# --- working_days_between ------------------------------------------------------------------


def test_working_days_between_counts_half_open_interval(spring_festival_2024: None) -> None:
    # (Thu 1 Feb, Tue 27 Feb] holds the 15 working days listed in the A14.2 test above.
    assert CALENDAR.working_days_between(date(2024, 2, 1), date(2024, 2, 27)) == 15
    # (Fri 9 Feb, Sun 18 Feb]: only the adjusted Sunday.
    assert CALENDAR.working_days_between(date(2024, 2, 9), date(2024, 2, 18)) == 1
    # (Mon 4 Mar, Tue 5 Mar]: the start is not counted, the end is.
    assert CALENDAR.working_days_between(date(2024, 3, 4), date(2024, 3, 5)) == 1


def test_working_days_between_is_zero_when_end_not_after_start() -> None:
    assert CALENDAR.working_days_between(date(2024, 3, 4), date(2024, 3, 4)) == 0
    assert CALENDAR.working_days_between(date(2024, 3, 8), date(2024, 3, 4)) == 0


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31)),
    n=st.integers(min_value=0, max_value=60),
)
def test_working_days_between_is_the_inverse_of_add_working_days(start: date, n: int) -> None:
    deadline = CALENDAR.add_working_days(start, n)
    assert CALENDAR.working_days_between(start, deadline) == n
    if n > 0:
        # The deadline is itself a working day, and the day before it has one fewer counted.
        assert CALENDAR.is_working_day(deadline)
        assert CALENDAR.working_days_between(start, deadline - timedelta(days=1)) == n - 1


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31)),
    span=st.integers(min_value=0, max_value=90),
)
def test_add_working_days_reaches_the_last_working_day_within_any_interval(start: date, span: int) -> None:
    end = start + timedelta(days=span)
    reached = CALENDAR.add_working_days(start, CALENDAR.working_days_between(start, end))
    assert reached <= end
    # Nothing between the reached day and end is a working day.
    day = reached + timedelta(days=1)
    while day <= end:
        assert not CALENDAR.is_working_day(day), day
        day += timedelta(days=1)


# --- override file -------------------------------------------------------------------------


def test_override_file_covers_a_year_chinese_calendar_does_not(tmp_path: Path) -> None:
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2099, 1, 5))
    path = _write_overrides(
        tmp_path / "calendar.json",
        holidays={
            "2099-01-01": "New Year's Day",
            "2099-01-02": "New Year's Day",
            "2099-01-03": "New Year's Day",
        },
        workdays={"2099-01-04": "New Year's Day adjusted working day"},
    )
    calendar = WorkingCalendar.from_file(path)

    assert calendar.is_working_day(date(2099, 1, 2)) is False  # Friday, override holiday
    assert calendar.is_working_day(date(2099, 1, 4)) is True  # Sunday, override working day
    assert calendar.is_working_day(date(2099, 3, 7)) is False  # unlisted Saturday
    assert calendar.is_working_day(date(2099, 3, 9)) is True  # unlisted Monday
    # Start Thu 1 Jan 2099: (Fri 2, Sat 3 holiday) 1 Sun 4 | 2 Mon 5 | 3 Tue 6.
    # Weekends-only would give [2, 5, 6]; ignoring override working days [5, 6, 7].
    assert [calendar.add_working_days(date(2099, 1, 1), n) for n in (1, 2, 3)] == [
        date(2099, 1, 4),
        date(2099, 1, 5),
        date(2099, 1, 6),
    ]
    # Ten working days (A24.2): 1 Sun 4 | 2-6 Mon 5 – Fri 9 | 7-10 Mon 12 – Thu 15 Jan.
    assert calendar.add_working_days(date(2099, 1, 1), 10) == date(2099, 1, 15)


def test_override_entries_win_over_chinese_calendar(tmp_path: Path) -> None:
    assert chinese_calendar.is_workday(date(2024, 2, 19)) is True  # Monday
    assert chinese_calendar.is_workday(date(2024, 2, 24)) is False  # Saturday
    path = _write_overrides(
        tmp_path / "calendar.json",
        holidays={"2024-02-19": "extra rest day"},
        workdays={"2024-02-24": "extra working day"},
    )
    calendar = WorkingCalendar.from_file(path)

    assert calendar.is_working_day(date(2024, 2, 19)) is False
    assert calendar.is_working_day(date(2024, 2, 24)) is True
    assert calendar.is_working_day(date(2024, 2, 20)) is True  # untouched dates still from chinese_calendar
    assert calendar.is_working_day(date(2024, 2, 12)) is False


def test_from_file_none_means_no_overrides() -> None:
    calendar = WorkingCalendar.from_file(None)
    assert calendar.overrides == CalendarOverrides()
    with pytest.raises(CalendarNotCovered):
        calendar.is_working_day(date(2099, 1, 5))


def test_override_file_with_a_date_both_holiday_and_working_day_is_refused(tmp_path: Path) -> None:
    path = _write_overrides(
        tmp_path / "calendar.json",
        holidays={"2099-01-01": "New Year's Day"},
        workdays={"2099-01-01": "typo"},
    )
    with pytest.raises(ValidationError, match="2099-01-01"):
        WorkingCalendar.from_file(path)


def test_overrides_model_with_a_date_in_both_lists_is_refused() -> None:
    with pytest.raises(ValidationError, match="both"):
        CalendarOverrides(holidays={date(2099, 1, 1): "a"}, workdays={date(2099, 1, 1): "b"})


def test_override_file_with_unknown_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps({"holiday": {"2099-01-01": "New Year's Day"}}), encoding="utf-8")
    with pytest.raises(ValidationError):
        WorkingCalendar.from_file(path)


def test_override_file_with_a_malformed_date_is_refused(tmp_path: Path) -> None:
    path = _write_overrides(tmp_path / "calendar.json", holidays={"2099-13-01": "no such month"}, workdays={})
    with pytest.raises(ValidationError):
        WorkingCalendar.from_file(path)


# --- years nobody covers -------------------------------------------------------------------


def test_year_covered_by_nothing_raises_calendar_not_covered() -> None:
    day = date(FIRST_UNBUNDLED_YEAR, 6, 1)
    with pytest.raises(CalendarNotCovered) as caught:
        CALENDAR.is_working_day(day)
    assert caught.value.day == day
    assert isinstance(caught.value, LookupError)
    assert str(FIRST_UNBUNDLED_YEAR) in str(caught.value)


def test_year_before_bundled_data_raises_calendar_not_covered() -> None:
    with pytest.raises(CalendarNotCovered):
        CALENDAR.is_working_day(date(1999, 6, 1))


def test_override_for_one_year_does_not_cover_its_neighbours() -> None:
    calendar = WorkingCalendar(_overrides_2099())
    with pytest.raises(CalendarNotCovered):
        calendar.is_working_day(date(2098, 12, 31))
    with pytest.raises(CalendarNotCovered):
        calendar.is_working_day(date(2100, 1, 4))


def test_deadline_running_into_an_uncovered_year_raises_instead_of_guessing() -> None:
    start = date(LAST_BUNDLED_YEAR, 12, 20)
    with pytest.raises(CalendarNotCovered) as caught:
        CALENDAR.add_working_days(start, 15)
    assert caught.value.day.year == FIRST_UNBUNDLED_YEAR
    with pytest.raises(CalendarNotCovered):
        CALENDAR.working_days_between(start, date(FIRST_UNBUNDLED_YEAR, 1, 31))


def test_deadline_running_into_a_year_the_override_covers_succeeds() -> None:
    # New Year's Day of the first unbundled year as a holiday is enough to cover that year.
    new_year = date(FIRST_UNBUNDLED_YEAR, 1, 1)
    calendar = WorkingCalendar(CalendarOverrides(holidays={new_year: "New Year's Day"}))
    deadline = calendar.add_working_days(date(LAST_BUNDLED_YEAR, 12, 20), 15)
    assert deadline.year == FIRST_UNBUNDLED_YEAR
    assert calendar.is_working_day(new_year) is False
    assert calendar.working_days_between(date(LAST_BUNDLED_YEAR, 12, 20), deadline) == 15


# --- coverage ------------------------------------------------------------------------------


def test_the_bundled_calendar_covers_through_the_end_of_its_last_year() -> None:
    assert CALENDAR.covered_through(date(LAST_BUNDLED_YEAR, 3, 1)) == date(LAST_BUNDLED_YEAR, 12, 31)
    assert CALENDAR.covered_through(date(FIRST_UNBUNDLED_YEAR, 1, 1)) is None
    with_next = WorkingCalendar(CalendarOverrides(holidays={date(FIRST_UNBUNDLED_YEAR, 1, 1): "New Year's Day"}))
    assert with_next.covered_through(date(LAST_BUNDLED_YEAR, 12, 20)) == date(FIRST_UNBUNDLED_YEAR, 12, 31)
    # A year further on does not extend the unbroken run.
    assert WorkingCalendar(_overrides_2099()).covered_through(date(LAST_BUNDLED_YEAR, 1, 1)) == date(
        LAST_BUNDLED_YEAR, 12, 31
    )


def test_a_missing_override_file_means_no_overrides_yet(tmp_path: Path) -> None:
    # Services are told where the file will be before an operator first adds a year.
    assert WorkingCalendar.from_file(tmp_path / "not-yet.json").overrides == CalendarOverrides()


# --- adding a year (python -m hub.workdays add-year) ---------------------------------------

# TEST DATA, not the State Council's schedule: no 2027 notice was published when this was written. A plausible
# 2027 (1 January is a Friday): 18 weekday holidays minus 5 adjusted working days = the 13 statutory days.
HOLIDAYS_2027 = (
    "2027-01-01..2027-01-03=元旦,2027-02-05..2027-02-13=春节,2027-04-03..2027-04-05=清明节,"
    "2027-05-01..2027-05-05=劳动节,2027-06-09=端午节,2027-09-15=中秋节,2027-10-01..2027-10-07=国庆节"
)
WORKDAYS_2027 = "2027-01-31=春节调休,2027-02-20=春节调休,2027-05-08,2027-09-26,2027-10-09"


def _add_2027(path: Path, holidays: str = HOLIDAYS_2027, workdays: str = WORKDAYS_2027, *extra: str) -> int:
    return workdays_main(["add-year", "2027", "--holidays", holidays, "--workdays", workdays, "--file", str(path),
                          *extra])  # fmt: skip


def test_add_year_writes_a_file_the_calendar_reads_and_keeps_other_years(tmp_path: Path) -> None:
    path = _write_overrides(tmp_path / "calendar.json", holidays={"2099-01-01": "New Year's Day"}, workdays={})
    assert _add_2027(path) == 0

    calendar = WorkingCalendar.from_file(path)
    assert calendar.is_working_day(date(2027, 1, 1)) is False  # Friday, New Year's Day
    assert calendar.is_working_day(date(2027, 1, 31)) is True  # Sunday, adjusted
    assert calendar.is_working_day(date(2027, 5, 8)) is True  # Saturday, adjusted
    assert calendar.is_working_day(date(2027, 3, 1)) is True  # unlisted Monday
    assert calendar.overrides.holidays[date(2027, 2, 6)] == "春节"
    assert calendar.overrides.workdays[date(2027, 9, 26)] == "adjusted working day"
    assert calendar.is_working_day(date(2099, 1, 1)) is False  # the other year is kept
    assert calendar.covered_through(date(LAST_BUNDLED_YEAR, 12, 1)) == date(2027, 12, 31)
    # The same shape as a hand-written override file, and no temporary file left beside it.
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {"holidays", "workdays"}
    assert [p.name for p in tmp_path.iterdir()] == ["calendar.json"]


def test_adding_a_year_again_replaces_that_years_entries(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    assert _add_2027(path) == 0
    # The corrected notice moves the National Day adjusted Saturday from 9 to 16 October.
    assert _add_2027(path, HOLIDAYS_2027, WORKDAYS_2027.replace("2027-10-09", "2027-10-16")) == 0
    workdays = WorkingCalendar.from_file(path).overrides.workdays
    assert date(2027, 10, 16) in workdays
    assert date(2027, 10, 9) not in workdays


@pytest.mark.parametrize(
    ("holidays", "workdays", "fault"),
    [
        (HOLIDAYS_2027 + ",2028-01-03", WORKDAYS_2027, "outside 2027: 2028-01-03"),
        (HOLIDAYS_2027, WORKDAYS_2027 + ",2027-10-07", "both as holiday and as adjusted working day: 2027-10-07"),
        (HOLIDAYS_2027, WORKDAYS_2027 + ",2027-03-03", "Saturdays or Sundays"),  # a Wednesday
        (HOLIDAYS_2027.replace("2027-10-07", "2027-10-06"), WORKDAYS_2027, "statutory"),  # a day left out
        (HOLIDAYS_2027.replace("2027-01-01..", "2027-01-02.."), WORKDAYS_2027, "New Year's Day"),
        ("2027-02-13..2027-02-05", WORKDAYS_2027, "ends before it starts"),
        ("2027-02-30", WORKDAYS_2027, "day is out of range"),
    ],
)
def test_add_year_refuses_a_faulty_schedule_and_writes_nothing(
    tmp_path: Path, holidays: str, workdays: str, fault: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_overrides(tmp_path / "calendar.json", holidays={"2099-01-01": "New Year's Day"}, workdays={})
    before = path.read_bytes()
    assert _add_2027(path, holidays, workdays) == 2
    assert fault in capsys.readouterr().err
    assert path.read_bytes() == before


def test_add_year_accepts_another_statutory_count_only_when_told(tmp_path: Path) -> None:
    short = HOLIDAYS_2027.replace("2027-10-07", "2027-10-06")
    assert _add_2027(tmp_path / "calendar.json", short) == 2
    assert _add_2027(tmp_path / "calendar.json", short, WORKDAYS_2027, "--statutory-days", "12") == 0


def test_add_year_refuses_to_merge_into_an_invalid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "calendar.json"
    path.write_text('{"holiday": {}}', encoding="utf-8")
    assert _add_2027(path) == 2
    assert "fix it first" in capsys.readouterr().err
    assert path.read_text(encoding="utf-8") == '{"holiday": {}}'


def test_add_year_from_a_file_in_the_override_format(tmp_path: Path) -> None:
    schedule = tmp_path / "2027.json"
    target = tmp_path / "calendar.json"
    assert _add_2027(schedule) == 0  # a file of 2027 alone, as an operator might keep one per year
    assert workdays_main(["add-year", "2027", "--from-file", str(schedule), "--file", str(target)]) == 0
    assert WorkingCalendar.from_file(target).overrides == WorkingCalendar.from_file(schedule).overrides
    assert workdays_main(["add-year", "2028", "--from-file", str(schedule), "--file", str(target)]) == 2


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_the_official_schedules_chinese_calendar_bundles_pass_the_checks(year: int) -> None:
    holidays = {d: str(n) for d, n in chinese_calendar.holidays.items() if d.year == year}
    adjusted = {d: str(n) for d, n in chinese_calendar.workdays.items() if d.year == year and d.weekday() >= 5}
    assert year_schedule_errors(year, holidays, adjusted) == []


def test_python_m_hub_workdays_add_year_uses_the_services_override_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    env = {**os.environ, "HUB_CALENDAR_OVERRIDE_FILE": str(path)}
    command = [sys.executable, "-m", "hub.workdays", "add-year", "2027", "--holidays", HOLIDAYS_2027,
               "--workdays", WORKDAYS_2027]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "2027-12-31" in done.stdout
    assert WorkingCalendar.from_file(path).is_working_day(date(2027, 1, 1)) is False
