"""The update deadline (A14.2) as pure functions: 15 working days on the hub's calendar."""

from __future__ import annotations

from datetime import date

from hub.workdays import WorkingCalendar

UPDATE_WORKING_DAYS = 15


def due_date(opened_on: date, calendar: WorkingCalendar) -> date:
    """The last day to update the catalogue after a change of elements or duties (A14.2)."""
    return calendar.add_working_days(opened_on, UPDATE_WORKING_DAYS)


def is_overdue(state: str, due_on: date, today: date) -> bool:
    """An open notice whose last day has passed (A14.2)."""
    return state == "open" and today > due_on
