"""The update deadline (A14.2) as pure functions: 15 working days on the hub's calendar."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from hub import deadlines
from hub.deadlines import DueDate
from hub.workdays import WorkingCalendar

UPDATE_WORKING_DAYS = 15
NoticeState = Literal["open", "met", "overdue"]


def due_date(opened_on: date, calendar: WorkingCalendar) -> DueDate:
    """The last day to update the catalogue after a change of elements or duties (A14.2); provisional where the
    calendar does not cover the 15 working days yet."""
    return deadlines.due_date(calendar, opened_on, UPDATE_WORKING_DAYS)


def notice_state(closed_on: date | None, overdue_notified_at: datetime | None) -> NoticeState:
    """met once the updated entry is submitted; overdue once announced overdue and not met; else open (A14.2)."""
    if closed_on is not None:
        return "met"
    return "overdue" if overdue_notified_at is not None else "open"
