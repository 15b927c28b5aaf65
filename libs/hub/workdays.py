"""Working-day calendar (工作日) for statutory deadlines.

Deadlines in the hub are counted in working days, not calendar days:

* A14.2 — a catalogue must be updated within 15 working days;
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

A date in a year covered by neither source raises :class:`CalendarNotCovered`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Self

import chinese_calendar
from pydantic import BaseModel, ConfigDict, model_validator

__all__ = [
    "CalendarNotCovered",
    "CalendarOverrides",
    "WorkingCalendar",
    "add_working_days",
]

_ONE_DAY = timedelta(days=1)


class CalendarNotCovered(LookupError):
    """No holiday data is known for the year of ``day``.

    Raised instead of falling back to "weekends only", because a deadline computed on a
    guess (A14.2, A24.2) is worse than an error the operator can fix by extending the
    override file.
    """

    def __init__(self, day: date) -> None:
        self.day = day
        super().__init__(
            f"no working-day calendar for {day.isoformat()}: neither chinese_calendar nor the "
            f"override file covers the year {day.year}; add that year's holidays and adjusted "
            "working days to the calendar override file"
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
        """Build a calendar from a JSON override file; ``None`` means no overrides.

        The file must hold ``{"holidays": {ISO date: name}, "workdays": {ISO date: name}}``.
        Raises ``pydantic.ValidationError`` if it is malformed, has unknown keys, or lists a
        date both as holiday and as working day.
        """
        if path is None:
            return cls()
        return cls(CalendarOverrides.model_validate_json(path.read_bytes()))

    @property
    def overrides(self) -> CalendarOverrides:
        """The operator overrides in force (empty when none were given)."""
        return self._overrides

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
