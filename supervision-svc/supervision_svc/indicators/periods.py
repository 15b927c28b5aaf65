"""The periods indicators are kept for: calendar quarters ("2026Q4") of local days, as pure functions (A32.1).

A period runs from local midnight of its first day to local midnight of the next quarter's. Its figures are read as
of a moment within it: its end once it is over, the present moment while it runs (`Window`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Self
from zoneinfo import ZoneInfo

PERIOD_PATTERN = r"^[0-9]{4}Q[1-4]$"
_PERIOD = re.compile(PERIOD_PATTERN)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, order=True)
class Period:
    """A calendar quarter."""

    year: int
    quarter: int

    @classmethod
    def parse(cls, text: str) -> Self:
        """ "2026Q4" → Period(2026, 4); ValueError for anything else (a fifth quarter, a year before 1 …)."""
        if not _PERIOD.match(text) or int(text[:4]) < 1:
            raise ValueError(f"{text!r} is not a quarter such as 2026Q4")
        return cls(int(text[:4]), int(text[5]))

    @classmethod
    def of(cls, day: date) -> Self:
        """The quarter holding a day."""
        return cls(day.year, (day.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}Q{self.quarter}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end_day(self) -> date:
        """The first day after the period (the next quarter's first)."""
        return self.next().first_day

    @property
    def last_day(self) -> date:
        return self.end_day - _ONE_DAY

    def previous(self) -> Period:
        return Period(self.year - 1, 4) if self.quarter == 1 else Period(self.year, self.quarter - 1)

    def next(self) -> Period:
        return Period(self.year + 1, 1) if self.quarter == 4 else Period(self.year, self.quarter + 1)

    def starts_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.first_day, time(), tz)

    def ends_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.end_day, time(), tz)


def periods_from(first: Period, last: Period) -> list[Period]:
    """Every period from `first` to `last`, both included (none if `first` is later)."""
    found, period = [], first
    while period <= last:
        found.append(period)
        period = period.next()
    return found


@dataclass(frozen=True)
class Window:
    """What a period's figures cover: [start, as_of), and the local days [first_day, end_day) it touches."""

    period: Period
    start: datetime
    as_of: datetime
    first_day: date
    end_day: date

    @classmethod
    def of(cls, period: Period, now: datetime, tz: ZoneInfo) -> Window:
        """The period as of `now`: whole once over, up to `now` while running (a period not begun is empty)."""
        start, end = period.starts_at(tz), period.ends_at(tz)
        as_of = max(start, min(end, now))
        local = as_of.astimezone(tz)
        # A day counts once it has begun: the running period's today included.
        end_day = local.date() if local.time() == time() else local.date() + _ONE_DAY
        return cls(period, start, as_of, period.first_day, end_day)

    @property
    def last_day(self) -> date:
        return self.end_day - _ONE_DAY
