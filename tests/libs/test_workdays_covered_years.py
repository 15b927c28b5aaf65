"""The working-day calendar against the State Council's notices themselves (A14.2, A24.2).

Expected values are written here from the notices, not read from chinese_calendar or hub.workdays: the holiday
notices from 2004 to 2026 are the years chinese-calendar 1.11.0 bundles (the notice for 2026 is the last; none
for 2027 was published with it); the 2026 schedule below is that notice's; the number of
statutory holidays is that of 《全国年节及纪念日放假办法》: 11 days, and 13 since the State Council's amendment
in force on 1 January 2025.
"""

from __future__ import annotations

import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.workdays import (
    BUNDLED_YEARS,
    CalendarNotCovered,
    CalendarOverrides,
    WorkingCalendar,
    add_year,
    main,
    statutory_days,
    write_overrides,
    year_schedule_errors,
)

FIRST_NOTICE_YEAR, LAST_NOTICE_YEAR = 2004, 2026
CALENDAR = WorkingCalendar()


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(n) for n in range((last - first).days + 1)]


# 国务院办公厅关于2026年部分节假日安排的通知: every day off, and the weekend days worked instead (调休上班).
HOLIDAYS_2026 = {
    **dict.fromkeys(days(date(2026, 1, 1), date(2026, 1, 3)), "元旦"),
    **dict.fromkeys(days(date(2026, 2, 15), date(2026, 2, 23)), "春节"),
    **dict.fromkeys(days(date(2026, 4, 4), date(2026, 4, 6)), "清明节"),
    **dict.fromkeys(days(date(2026, 5, 1), date(2026, 5, 5)), "劳动节"),
    **dict.fromkeys(days(date(2026, 6, 19), date(2026, 6, 21)), "端午节"),
    **dict.fromkeys(days(date(2026, 9, 25), date(2026, 9, 27)), "中秋节"),
    **dict.fromkeys(days(date(2026, 10, 1), date(2026, 10, 7)), "国庆节"),
}
WORKDAYS_2026 = {
    date(2026, 1, 4): "元旦调休",
    date(2026, 2, 14): "春节调休",
    date(2026, 2, 28): "春节调休",
    date(2026, 5, 9): "劳动节调休",
    date(2026, 9, 20): "国庆节调休",
    date(2026, 10, 10): "国庆节调休",
}


def test_the_bundled_notices_cover_2004_to_2026_and_no_year_beyond_A14_2() -> None:
    assert frozenset(range(FIRST_NOTICE_YEAR, LAST_NOTICE_YEAR + 1)) == BUNDLED_YEARS
    assert CALENDAR.covered_years() == BUNDLED_YEARS


@pytest.mark.parametrize("day", [date(2027, 1, 4), date(2027, 6, 1), date(2003, 12, 31)])
def test_a_day_outside_the_notices_is_not_guessed_A14_2(day: date) -> None:
    with pytest.raises(CalendarNotCovered):
        CALENDAR.is_working_day(day)


def test_on_2026_12_20_the_calendar_is_covered_through_new_years_eve_and_no_further_A14_2() -> None:
    assert CALENDAR.covered_through(date(2026, 12, 20)) == date(2026, 12, 31)
    assert CALENDAR.covered_through(date(2004, 1, 1)) == date(2026, 12, 31)
    assert CALENDAR.covered_through(date(2027, 1, 1)) is None
    assert CALENDAR.covered_through(date(2003, 6, 1)) is None


def test_a_deadline_opened_on_2026_12_10_ends_on_new_years_eve_and_one_opened_a_day_later_needs_2027_A14_2() -> None:
    # Fifteen working days after Thursday 10 December 2026 (no holiday in between): 11, 14–18, 21–25, 28–31.
    assert CALENDAR.add_working_days(date(2026, 12, 10), 15) == date(2026, 12, 31)
    with pytest.raises(CalendarNotCovered) as caught:
        CALENDAR.add_working_days(date(2026, 12, 11), 15)
    assert caught.value.day == date(2027, 1, 1)


@pytest.mark.parametrize("day", sorted(HOLIDAYS_2026))
def test_every_day_off_of_the_2026_notice_is_no_working_day_A14_2(day: date) -> None:
    assert CALENDAR.is_working_day(day) is False


@pytest.mark.parametrize("day", sorted(WORKDAYS_2026))
def test_every_weekend_day_worked_by_the_2026_notice_is_a_working_day_A14_2(day: date) -> None:
    assert day.weekday() >= 5
    assert CALENDAR.is_working_day(day) is True


@pytest.mark.parametrize(("year", "statutory"), [(2008, 11), (2024, 11), (2025, 13), (2026, 13), (2027, 13)])
def test_the_statutory_holidays_are_11_days_until_2024_and_13_from_2025(year: int, statutory: int) -> None:
    assert statutory_days(year) == statutory


def test_the_2026_notice_balances_its_19_weekday_holidays_against_6_days_worked_A14_2() -> None:
    assert sum(1 for d in HOLIDAYS_2026 if d.weekday() < 5) == 19
    assert year_schedule_errors(2026, HOLIDAYS_2026, WORKDAYS_2026) == []


def test_a_2026_schedule_missing_a_day_off_names_the_count_that_does_not_balance_A14_2() -> None:
    short = {d: name for d, name in HOLIDAYS_2026.items() if d != date(2026, 10, 7)}
    [error] = year_schedule_errors(2026, short, WORKDAYS_2026)
    assert error.startswith(
        "18 weekday holidays minus 6 adjusted working days make 12 days off, but 2026 has 13 statutory holidays"
    )


def test_a_friday_is_no_adjusted_working_day_A14_2() -> None:
    # 调休 moves days off onto weekends; a weekday, Friday included, is worked anyway.
    [error] = year_schedule_errors(2026, HOLIDAYS_2026, {**WORKDAYS_2026, date(2026, 3, 6): "a Friday"})
    assert "Saturdays or Sundays" in error
    assert "2026-03-06" in error


def test_a_new_override_file_is_readable_by_the_services(tmp_path: Path) -> None:
    # The services read the file as their own users: a new one is rw-r--r--.
    path = tmp_path / "calendar.json"
    add_year(path, 2026, HOLIDAYS_2026, WORKDAYS_2026)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_replacing_the_override_file_keeps_the_mode_the_operator_gave_it(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "calendar.json"
    add_year(path, 2026, HOLIDAYS_2026, WORKDAYS_2026)
    path.chmod(mode)
    add_year(path, 2026, HOLIDAYS_2026, WORKDAYS_2026)
    assert stat.S_IMODE(path.stat().st_mode) == mode


def test_the_override_file_keeps_the_notices_names_as_written(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    add_year(path, 2026, HOLIDAYS_2026, WORKDAYS_2026)
    text = path.read_text(encoding="utf-8")
    assert '"2026-02-15": "春节"' in text
    assert "\\u" not in text


def test_a_failed_write_leaves_the_folder_as_it_was(tmp_path: Path) -> None:
    taken = tmp_path / "calendar.json"
    taken.mkdir()  # a folder where the file should go: the final rename fails
    with pytest.raises(OSError):
        write_overrides(taken, CalendarOverrides(holidays={date(2026, 1, 1): "元旦"}))
    assert [p.name for p in tmp_path.iterdir()] == ["calendar.json"]
    assert taken.is_dir()


def test_the_overrides_a_calendar_reads_cannot_be_changed_under_it() -> None:
    overrides = CalendarOverrides(holidays={date(2099, 1, 1): "元旦"})
    with pytest.raises(ValidationError):
        overrides.holidays = {}  # type: ignore[misc]


def test_adding_a_year_creates_the_override_files_folders(tmp_path: Path) -> None:
    path = tmp_path / "etc" / "hub" / "calendar.json"
    add_year(path, 2026, HOLIDAYS_2026, WORKDAYS_2026)
    assert WorkingCalendar.from_file(path).overrides.workdays == WORKDAYS_2026


@pytest.mark.parametrize("argv", [[], ["add-year", "2026", "--file", "calendar.json"]])
def test_a_command_missing_its_subcommand_or_its_schedule_is_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err
