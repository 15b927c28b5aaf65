"""Request dependencies every service may need beside the session and the caller: the calendar and the date."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Request

from hub.workdays import WorkingCalendar


def working_calendar(request: Request) -> WorkingCalendar:
    """The hub's working-day calendar (chinese-calendar plus the operator's overrides)."""
    calendar: WorkingCalendar = request.app.state.calendar
    return calendar


def local_today(request: Request) -> date:
    """Today in the hub's time zone: deadlines are counted in local working days (A14.2, A24.2)."""
    return datetime.now(ZoneInfo(request.app.state.settings.timezone)).date()


CalendarDep = Annotated[WorkingCalendar, Depends(working_calendar)]
TodayDep = Annotated[date, Depends(local_today)]
