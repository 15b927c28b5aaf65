"""Request dependencies every service may need beside the session and the caller: the calendar and the clock.

The clock is `app.state.clock` when set (a callable returning an aware datetime): tests put a service on
2026-12-20 that way, and background work reads the same clock as requests. Unset, it is the system clock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, FastAPI, Request

from hub.workdays import WorkingCalendar

Clock = Callable[[], datetime]


def clock_now(app: FastAPI) -> datetime:
    """The current time on the app's clock (aware)."""
    clock: Clock | None = getattr(app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def clock_today(app: FastAPI) -> date:
    """Today in the hub's time zone: deadlines are counted in local working days (A14.2, A24.2)."""
    return clock_now(app).astimezone(ZoneInfo(app.state.settings.timezone)).date()


def working_calendar(request: Request) -> WorkingCalendar:
    """The hub's working-day calendar (chinese-calendar plus the operator's overrides, reloaded when they change)."""
    calendar: WorkingCalendar = request.app.state.calendar
    return calendar


def local_now(request: Request) -> datetime:
    """The current time on the app's clock."""
    return clock_now(request.app)


def local_today(request: Request) -> date:
    """Today in the hub's time zone, on the app's clock."""
    return clock_today(request.app)


CalendarDep = Annotated[WorkingCalendar, Depends(working_calendar)]
NowDep = Annotated[datetime, Depends(local_now)]
TodayDep = Annotated[date, Depends(local_today)]
