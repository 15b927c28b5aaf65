"""Working-day calendar (工作日) for statutory deadlines.

Deadlines in the hub are counted in working days, not calendar days:

* A14.2 — a catalogue must be updated within 15 working days;
* A20.2 — a share application is reviewed promptly (5 working days in the hub);
* A24.2 — an open-data application must be answered within 10 working days.

A working day is Monday–Friday, minus public holidays, plus the weekend days that the
State Council declares adjusted working days (调休). Holidays and adjusted working days are
taken from the ``chinese_calendar`` package for the years it covers, and from an
operator-supplied override file for years it does not cover (or to correct it).

Example override file::

    {
        "holidays": {"2027-01-01": "New Year's Day"},
        "workdays": {"2027-02-07": "Spring Festival adjusted working day"}
    }

A date in a year covered by neither source raises :class:`CalendarNotCovered`; ``hub.deadlines``
turns that into a provisional due date rather than a failed request.

Adding a year is one command that validates the year and replaces the override file atomically
(running services reload it when it changes, no restart)::

    python -m hub.workdays add-year 2027 --holidays 2027-01-01..2027-01-03=元旦,... --workdays 2027-02-20,...
    python -m hub.workdays add-year 2027 --from-file 2027.json   # same JSON shape as the override file
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Self

import chinese_calendar
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

__all__ = [
    "BUNDLED_YEARS",
    "CalendarNotCovered",
    "CalendarOverrides",
    "WorkingCalendar",
    "add_working_days",
    "add_year",
    "year_schedule_errors",
]

_ONE_DAY = timedelta(days=1)

# The years chinese_calendar has data for; outside them it raises NotImplementedError.
BUNDLED_YEARS = frozenset(range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1))


class CalendarNotCovered(LookupError):
    """No holiday data is known for the year of ``day``.

    Raised instead of falling back to "weekends only": the calendar itself never guesses. A deadline
    (A14.2, A24.2) that reaches such a year is computed by ``hub.deadlines`` on weekends alone and marked
    provisional until the operator extends the override file.
    """

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            f"no working-day calendar for {day.isoformat()}: neither chinese_calendar nor the "
            f"override file covers the year {day.year}; add that year's holidays and adjusted "
            f"working days with `python -m hub.workdays add-year {day.year} ...`"
        )


class CalendarOverrides(BaseModel):
    """Operator-supplied holidays and adjusted working days, keyed by date, valued by name.

    Entries win over ``chinese_calendar``. A year counts as covered by the overrides as soon as
    one entry (holiday or working day) falls in it; every other date of such a year follows the
    Monday–Friday rule.
    """

    # A misspelt key ("holiday") would otherwise be dropped silently and shift deadlines.
    model_config = ConfigDict(extra="forbid", frozen=True)

    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}

    @model_validator(mode="after")
    def _no_date_in_both(self) -> Self:
        clash = sorted(self.holidays.keys() & self.workdays.keys())
        if clash:
            listed = ", ".join(d.isoformat() for d in clash)
            raise ValueError(f"dates listed both as holiday and as working day: {listed}")
        return self

    def covered_years(self) -> frozenset[int]:
        """Years in which the overrides have at least one entry."""
        return frozenset(d.year for d in (*self.holidays, *self.workdays))

    def with_year(self, year: int, holidays: Mapping[date, str], workdays: Mapping[date, str]) -> CalendarOverrides:
        """These overrides with every entry of ``year`` replaced by the given ones (other years kept)."""
        return CalendarOverrides(
            holidays={**{d: n for d, n in self.holidays.items() if d.year != year}, **holidays},
            workdays={**{d: n for d, n in self.workdays.items() if d.year != year}, **workdays},
        )

    def to_json(self) -> str:
        """The override file's text: dates in order, names as written (UTF-8, not escaped)."""
        document = {
            "holidays": {d.isoformat(): self.holidays[d] for d in sorted(self.holidays)},
            "workdays": {d.isoformat(): self.workdays[d] for d in sorted(self.workdays)},
        }
        return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _as_date(day: date) -> date:
    # datetime is a subclass of date but never equal to one, so dict lookups would miss it.
    return day.date() if isinstance(day, datetime) else day


class WorkingCalendar:
    """Decides which days are working days (工作日) and counts deadlines in them (A14.2, A24.2)."""

    def __init__(self, overrides: CalendarOverrides | None = None) -> None:
        """Build a calendar from ``chinese_calendar`` plus optional ``overrides`` (which win)."""
        self._overrides = overrides if overrides is not None else CalendarOverrides()
        self._override_years = self._overrides.covered_years()

    @classmethod
    def from_file(cls, path: Path | None) -> Self:
        """Build a calendar from a JSON override file; ``None`` or a missing file means no overrides.

        A missing file is allowed so that services can be told where the file will be before an operator
        first runs ``add-year``, and pick it up when it appears. The file must hold ``{"holidays": {ISO date:
        name}, "workdays": {ISO date: name}}``. Raises ``pydantic.ValidationError`` if it is malformed, has
        unknown keys, or lists a date both as holiday and as working day.
        """
        if path is None or not path.exists():
            return cls()
        return cls(CalendarOverrides.model_validate_json(path.read_bytes()))

    @property
    def overrides(self) -> CalendarOverrides:
        """The operator overrides in force (empty when none were given)."""
        return self._overrides

    def covered_years(self) -> frozenset[int]:
        """Every year some source (chinese_calendar or the overrides) has holiday data for."""
        return BUNDLED_YEARS | self._override_years

    def covered_through(self, today: date) -> date | None:
        """The last day of the unbroken run of covered years starting with ``today``'s year; ``None`` when
        ``today``'s own year is not covered. Deadlines ending after it are provisional."""
        years = self.covered_years()
        year = _as_date(today).year
        if year not in years:
            return None
        while year + 1 in years:
            year += 1
        return date(year, 12, 31)

    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day (工作日).

        Order of precedence: override working day, override holiday, ``chinese_calendar``,
        then — only for years the override file covers — Monday to Friday.
        Raises :class:`CalendarNotCovered` if no source covers the year of ``day``.
        """
        day = _as_date(day)
        if day in self._overrides.workdays:
            return True
        if day in self._overrides.holidays:
            return False
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            # chinese_calendar signals "year not in my data" this way.
            if day.year in self._override_years:
                return day.weekday() < 5
            raise CalendarNotCovered(day) from None

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is not counted).

        This is the deadline of a time limit of ``n`` working days that starts running on
        ``start``: 15 for a catalogue update (A14.2), 10 for answering an open-data
        application (A24.2). ``n == 0`` returns ``start`` unchanged. Raises ``ValueError``
        for negative ``n`` and :class:`CalendarNotCovered` if the count reaches a year no
        source covers.
        """
        if n < 0:
            raise ValueError(f"number of working days must not be negative, got {n}")
        day = _as_date(start)
        remaining = n
        while remaining > 0:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Number of working days in ``(start, end]``; 0 if ``end <= start``.

        The inverse of :meth:`add_working_days`: ``working_days_between(s, add_working_days(s, n))
        == n``. Use it to tell how many working days of an A14.2/A24.2 time limit have elapsed.
        Raises :class:`CalendarNotCovered` if the interval touches a year no source covers.
        """
        day, end = _as_date(start), _as_date(end)
        count = 0
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count


_DEFAULT_CALENDAR = WorkingCalendar()


def add_working_days(day: date, n: int, calendar: WorkingCalendar | None = None) -> date:
    """The ``n``-th working day after ``day``, as :meth:`WorkingCalendar.add_working_days`.

    Uses ``calendar`` if given, otherwise a calendar with no overrides (``chinese_calendar``
    only). Deadlines: 15 working days for a catalogue update (A14.2), 10 for answering an
    open-data application (A24.2).
    """
    return (calendar if calendar is not None else _DEFAULT_CALENDAR).add_working_days(day, n)


# --- adding a year (the operator's command) ---------------------------------------------------


def statutory_days(year: int) -> int:
    """Days of statutory public holidays (全体公民放假的节日) in a year, by 《全国年节及纪念日放假办法》: 13 since
    the State Council's 2024 amendment (in force 1 January 2025), 11 from 2008 to 2024."""
    return 13 if year >= 2025 else 11


def year_schedule_errors(
    year: int, holidays: Mapping[date, str], workdays: Mapping[date, str], statutory: int | None = None
) -> list[str]:
    """What is wrong with one year's holidays and adjusted working days, as an operator would type them.

    Every date lies in ``year``; no date is both a holiday and a working day; adjusted working days (调休上班)
    fall on a Saturday or Sunday; New Year's Day is a holiday; and, because 调休 only moves days off, the
    weekday holidays minus the adjusted working days equal the statutory holidays of the year (a day typed
    wrong or left out breaks the balance). A notice whose blocks cross the turn of the year breaks the balance
    legitimately: pass its real count as ``statutory``.
    """
    errors: list[str] = []

    def listed(days: Sequence[date]) -> str:
        return ", ".join(d.isoformat() for d in sorted(days))

    outside = [d for d in (*holidays, *workdays) if d.year != year]
    if outside:
        errors.append(f"dates outside {year}: {listed(outside)}")
    both = list(holidays.keys() & workdays.keys())
    if both:
        errors.append(f"dates listed both as holiday and as adjusted working day: {listed(both)}")
    weekday_workdays = [d for d in workdays if d.weekday() < 5]
    if weekday_workdays:
        errors.append(
            f"adjusted working days must be Saturdays or Sundays (a weekday is worked anyway): "
            f"{listed(weekday_workdays)}"
        )
    if date(year, 1, 1) not in holidays:
        errors.append(f"New Year's Day ({year}-01-01) must be a holiday")
    if not errors:
        days_off = sum(1 for d in holidays if d.weekday() < 5)
        expected = statutory_days(year) if statutory is None else statutory
        if days_off - len(workdays) != expected:
            errors.append(
                f"{days_off} weekday holidays minus {len(workdays)} adjusted working days make "
                f"{days_off - len(workdays)} days off, but {year} has {expected} statutory holidays: a date is "
                "missing or extra (if the State Council's notice really differs, pass --statutory-days)"
            )
    return errors


def _parse_days(text: str, default_name: str) -> dict[date, str]:
    """``2027-01-01,2027-02-05..2027-02-13=春节`` → every date named (ranges inclusive)."""
    days: dict[date, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        span, _, name = item.partition("=")
        first_text, _, last_text = span.partition("..")
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if last_text else first
        if last < first:
            raise ValueError(f"range {span} ends before it starts")
        day = first
        while day <= last:
            days[day] = name.strip() or default_name
            day += _ONE_DAY
    return days


def write_overrides(path: Path, overrides: CalendarOverrides) -> None:
    """Replace the override file atomically: services watching it see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(overrides.to_json())
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def add_year(
    path: Path, year: int, holidays: Mapping[date, str], workdays: Mapping[date, str], statutory: int | None = None
) -> CalendarOverrides:
    """Validate one year's schedule, merge it into the override file at ``path`` (replacing that year's entries,
    keeping the others) and write it atomically. Raises ``ValueError`` listing every fault; nothing is written
    then, nor when the existing file is itself invalid."""
    errors = year_schedule_errors(year, holidays, workdays, statutory)
    if errors:
        raise ValueError("; ".join(errors))
    try:
        current = WorkingCalendar.from_file(path).overrides
    except ValidationError as exc:
        raise ValueError(f"the existing override file {path} is invalid, fix it first: {exc}") from exc
    merged = current.with_year(year, holidays, workdays)
    write_overrides(path, merged)
    return merged


def _year_from_file(path: Path) -> tuple[dict[date, str], dict[date, str]]:
    schedule = CalendarOverrides.model_validate_json(path.read_bytes())
    return dict(schedule.holidays), dict(schedule.workdays)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m hub.workdays add-year YEAR ...``; exit 0 when written, 2 when the schedule is refused."""
    parser = argparse.ArgumentParser(prog="python -m hub.workdays", description="Extend the working-day calendar.")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add-year", help="add (or replace) one year's holidays and adjusted working days")
    add.add_argument("year", type=int)
    source = add.add_mutually_exclusive_group(required=True)
    source.add_argument("--holidays", help="DATE[..DATE][=name], comma-separated (ranges inclusive)")
    source.add_argument("--from-file", type=Path, help="a JSON file shaped like the override file")
    add.add_argument("--workdays", default="", help="adjusted working days (调休上班), DATE[=name], comma-separated")
    add.add_argument("--statutory-days", type=int, help="statutory holidays of the year, if not the legal count")
    add.add_argument(
        "--file",
        type=Path,
        default=os.environ.get("HUB_CALENDAR_OVERRIDE_FILE"),
        help="the override file (default: $HUB_CALENDAR_OVERRIDE_FILE)",
    )
    args = parser.parse_args(argv)
    if args.file is None:
        parser.error("no override file: set HUB_CALENDAR_OVERRIDE_FILE (as the services have it) or pass --file")
    try:
        if args.from_file is not None:
            if args.workdays:
                raise ValueError("--workdays goes with --holidays; with --from-file, list them in the file")
            holidays, workdays = _year_from_file(args.from_file)
        else:
            holidays = _parse_days(args.holidays, "public holiday")
            workdays = _parse_days(args.workdays, "adjusted working day")
        merged = add_year(args.file, args.year, holidays, workdays, args.statutory_days)
    except (ValueError, OSError) as exc:  # pydantic's ValidationError is a ValueError
        print(f"refused, nothing written: {exc}", file=sys.stderr)
        return 2
    covered = WorkingCalendar(merged).covered_through(date(args.year, 1, 1))
    print(
        f"{args.year}: {len(holidays)} holidays and {len(workdays)} adjusted working days written to {args.file}; "
        f"the calendar now covers through {covered}. Services reload the file on their own and recompute "
        "provisional deadlines."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
