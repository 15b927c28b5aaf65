"""Working-day deadlines as one library piece: change notices (A14.2, 15 working days), share applications
(A20.2, 5), open applications (A24.2, 10).

What a service gets, and what it promises:

* `due_date`: the due date of a time limit of n working days on the hub's calendar. A deadline never fails a
  request: where the calendar does not cover the span (a year neither chinese_calendar nor the override file
  knows), those days are counted on weekends alone and the date is marked provisional.
* `WorkingDayDeadline`: the columns a deadline row carries (a table mixin: the service's migration adds them).
  A deadline is running until `closed_on` is set; `approaching_notified_at` and `overdue_notified_at` make the
  sweep announce each at most once.
* `DeadlineKind` + `deadline_upkeep`: the service names its table and the events to record (its own contracts),
  and one lifespan part does the rest: it reloads the calendar override file when it changes (no restart),
  recomputes every provisional due date then (and on each sweep, so a newer chinese-calendar package counts
  too) and announces approaching and overdue deadlines. Rows are claimed `FOR UPDATE SKIP LOCKED`, so several
  replicas share the work; every effect and its event commit in one transaction (the outbox).
* `overdue_query`: what is overdue today, for listings and counts.
* How far ahead the calendar is covered: the readiness check's `calendar` field (a warning below 60 days, never
  a failure) and the `hub_calendar_covered_days` gauge (alert on `< 60`).

Share-svc and open-svc reuse it with a migration, the mixin on their table and one `DeadlineKind`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, Generic, TypeVar

import structlog
from fastapi import FastAPI
from prometheus_client import Gauge
from pydantic import ValidationError
from sqlalchemy import Date, DateTime, Index, Select, SmallInteger, false, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from hub.dependencies import clock_now, clock_today
from hub.periodic import every
from hub.workdays import CalendarNotCovered, WorkingCalendar

log = structlog.get_logger(__name__)

# An approaching deadline is announced this many working days ahead.
APPROACHING_WORKING_DAYS = 3
# Below this many days of calendar ahead, operators are warned: a year's schedule is published in November.
COVERAGE_WARNING_DAYS = 60
# How often a replica looks at the override file (one stat) and how often it sweeps the deadline tables.
CALENDAR_CHECK_SECONDS = 5.0
SWEEP_SECONDS = 600.0

CALENDAR_COVERED_DAYS = Gauge(
    "hub_calendar_covered_days",
    "Days after today that the working-day calendar still covers; deadlines beyond are provisional (alert < 60).",
    ["service"],
)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class DueDate:
    """A deadline's last day, and whether part of it was counted on weekends alone (calendar not covered)."""

    due_on: date
    provisional: bool


def due_date(calendar: WorkingCalendar, start: date, working_days: int) -> DueDate:
    """The `working_days`-th working day after `start` (the local date the time limit starts running; not
    counted), as `WorkingCalendar.add_working_days`. Days of a year the calendar does not cover count when they
    are Monday to Friday, and the date is provisional (A14.2, A20.2, A24.2: the request never fails for it).
    Raises ValueError for a negative number of days."""
    if working_days < 0:
        raise ValueError(f"number of working days must not be negative, got {working_days}")
    day = start.date() if isinstance(start, datetime) else start
    remaining, provisional = working_days, False
    while remaining > 0:
        day += _ONE_DAY
        try:
            working = calendar.is_working_day(day)
        except CalendarNotCovered:
            working, provisional = day.weekday() < 5, True
        if working:
            remaining -= 1
    return DueDate(day, provisional)


def is_overdue(closed_on: date | None, due_on: date, today: date) -> bool:
    """A running deadline whose last day has passed; the due day itself is still in time."""
    return closed_on is None and today > due_on


def covered_days(calendar: WorkingCalendar, today: date) -> int:
    """Days after `today` the calendar covers (0 when today's year itself is not covered)."""
    through = calendar.covered_through(today)
    return max((through - today).days, 0) if through else 0


def running_index(table: str) -> Index:
    """The partial index of running deadlines that the sweeps and `overdue_query` use. The mixin declares it; a
    table declaring `__table_args__` of its own must list it there too."""
    return Index(f"ix_{table}_running", "due_on", postgresql_where=text("closed_on IS NULL"))


class WorkingDayDeadline:
    """Table mixin: the columns of a working-day deadline, and the partial index on the running ones.

    `class OpenApplication(WorkingDayDeadline, Base)`; the service's migration adds the columns and
    `ix_<table>_running`.
    """

    opened_on: Mapped[date] = mapped_column(Date)
    working_days: Mapped[int] = mapped_column(SmallInteger)
    due_on: Mapped[date] = mapped_column(Date)
    due_provisional: Mapped[bool] = mapped_column(default=False, server_default=false())
    closed_on: Mapped[date | None] = mapped_column(Date)
    approaching_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    overdue_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        table: str = getattr(cls, "__tablename__")  # noqa: B009 - declared by the concrete table, not the mixin
        return (running_index(table),)

    def start_deadline(self, opened_on: date, working_days: int, calendar: WorkingCalendar) -> DueDate:
        """Start the time limit on `opened_on`: its due date, provisional where the calendar ends."""
        due = due_date(calendar, opened_on, working_days)
        self.opened_on, self.working_days = opened_on, working_days
        self.due_on, self.due_provisional = due.due_on, due.provisional
        return due

    def close_deadline(self, on: date) -> bool:
        """The duty was discharged on `on`; whether that was late."""
        self.closed_on = on
        return on > self.due_on


D = TypeVar("D", bound=WorkingDayDeadline)
Announce = Callable[[AsyncSession, D], Awaitable[None]]


@dataclass(frozen=True)
class DeadlineKind(Generic[D]):
    """One service's deadline table and the events it records (with `hub.outbox.record_event`)."""

    model: type[D]
    on_overdue: Announce[D]
    on_approaching: Announce[D] | None = None
    # Called with the previous due date when a provisional date is recomputed (changed or no longer provisional).
    on_recomputed: Callable[[AsyncSession, D, date], Awaitable[None]] | None = None
    approaching_within: int = APPROACHING_WORKING_DAYS


def overdue_query(model: type[D], today: date) -> Select[D]:
    """Running deadlines of `model` whose last day is before `today`, earliest first (add a service's filters)."""
    return select(model).where(model.closed_on.is_(None), model.due_on < today).order_by(model.due_on)


async def _claim(session: AsyncSession, query: Select[D]) -> list[D]:
    # SKIP LOCKED: replicas sweeping at once each take different rows, and a request holding one is not waited on.
    return list((await session.execute(query.with_for_update(skip_locked=True))).scalars())


async def announce_overdue(session: AsyncSession, kind: DeadlineKind[D], today: date, now: datetime) -> list[D]:
    """Mark every running deadline past its due date as announced overdue and record the service's event, once."""
    model = kind.model
    rows = await _claim(session, overdue_query(model, today).where(model.overdue_notified_at.is_(None)))
    for row in rows:
        row.overdue_notified_at = now
        await kind.on_overdue(session, row)
    await session.flush()
    return rows


async def announce_approaching(
    session: AsyncSession, kind: DeadlineKind[D], today: date, now: datetime, calendar: WorkingCalendar
) -> list[D]:
    """Announce, once, every running deadline due within `kind.approaching_within` working days of today."""
    if kind.on_approaching is None:
        return []
    model = kind.model
    horizon = due_date(calendar, today, kind.approaching_within).due_on
    query = select(model).where(
        model.closed_on.is_(None),
        model.approaching_notified_at.is_(None),
        model.due_on >= today,
        model.due_on <= horizon,
    )
    rows = await _claim(session, query)
    for row in rows:
        row.approaching_notified_at = now
        await kind.on_approaching(session, row)
    await session.flush()
    return rows


async def recompute_provisional(
    session: AsyncSession, kind: DeadlineKind[D], calendar: WorkingCalendar, today: date
) -> list[D]:
    """Recompute every running provisional deadline on `calendar`; return (and announce) the ones that changed.

    A date that moved invalidates what was announced for the old one: an overdue announcement no longer holds
    if the new date is not past, and an approaching one is made again for the new date.
    """
    model = kind.model
    query = select(model).where(model.due_provisional.is_(True), model.closed_on.is_(None))
    changed = []
    for row in await _claim(session, query):
        due = due_date(calendar, row.opened_on, row.working_days)
        previous = row.due_on
        if (due.due_on, due.provisional) == (previous, row.due_provisional):
            continue
        row.due_on, row.due_provisional = due.due_on, due.provisional
        if due.due_on != previous:
            row.approaching_notified_at = None
            if not is_overdue(row.closed_on, due.due_on, today):
                row.overdue_notified_at = None
        if kind.on_recomputed is not None:
            await kind.on_recomputed(session, row, previous)
        changed.append(row)
    await session.flush()
    return changed


# --- the calendar a running service follows -------------------------------------------------


@dataclass
class CalendarWatch:
    """Follows the override file (HUB_CALENDAR_OVERRIDE_FILE): a new file replaces `app.state.calendar`; an
    invalid one is reported and the calendar in force stays."""

    path: Path | None
    signature: tuple[int, int, int] | None = None
    error: str | None = None
    warned_at_days: int | None = field(default=None, repr=False)

    def _current_signature(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return None
        # add-year replaces the file (a new inode); an editor may rewrite it in place (mtime and size).
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def refresh(self, app: FastAPI) -> bool:
        """Reload the calendar if the file changed since the last look; whether it was replaced."""
        signature = self._current_signature()
        if signature == self.signature:
            return False
        self.signature = signature
        try:
            calendar = WorkingCalendar.from_file(self.path)
        except (ValidationError, OSError) as exc:
            self.error = f"override file {self.path} is invalid, the calendar in force stays: {exc}"
            log.error("calendar override file refused", path=str(self.path), error=str(exc))
            return False
        self.error = None
        app.state.calendar = calendar
        log.info("working-day calendar loaded", path=str(self.path), years=sorted(calendar.overrides.covered_years()))
        return True

    def status(self, app: FastAPI) -> dict[str, Any]:
        """The readiness field: how far ahead the calendar is covered; a warning, never a failure."""
        calendar: WorkingCalendar = app.state.calendar
        today = clock_today(app)
        days = covered_days(calendar, today)
        through = calendar.covered_through(today)
        CALENDAR_COVERED_DAYS.labels(app.state.settings.service_name).set(days)
        report: dict[str, Any] = {
            "ok": True,
            "covered_through": through.isoformat() if through else None,
            "covered_days": days,
            "override_file": str(self.path) if self.path else None,
        }
        warnings = [self.error] if self.error else []
        if days < COVERAGE_WARNING_DAYS:
            missing_year = through.year + 1 if through else today.year
            warnings.append(
                f"the working-day calendar covers only {days} more days: deadlines reaching into {missing_year} "
                f"are provisional (weekends only) until an operator runs "
                f"`python -m hub.workdays add-year {missing_year} ...`"
            )
            if self.warned_at_days != days:  # once a day, not on every look
                log.warning("working-day calendar running out", covered_days=days, covered_through=str(through))
        self.warned_at_days = days
        if warnings:
            report["warning"] = " ".join(warnings)
        return report


def deadline_upkeep(
    *kinds: DeadlineKind[Any],
    name: str = "deadlines",
    sweep_seconds: float = SWEEP_SECONDS,
    check_seconds: float = CALENDAR_CHECK_SECONDS,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan part (ServiceSpec.extra_lifespans) keeping the service's deadlines and calendar current.

    Every `check_seconds`: reload the override file if it changed and then recompute provisional deadlines;
    report coverage (gauge, readiness). Every `sweep_seconds`: recompute provisional deadlines (a newer
    chinese-calendar after a deploy), announce overdue and approaching ones. Both run once at start.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        watch = CalendarWatch(app.state.settings.calendar_override_file)
        app.state.calendar_watch = watch

        async def calendar_ready() -> dict[str, Any]:
            return {"calendar": watch.status(app)}

        app.state.readiness_checks.append(calendar_ready)

        async def recompute(session: AsyncSession) -> None:
            for kind in kinds:
                changed = await recompute_provisional(session, kind, app.state.calendar, clock_today(app))
                if changed:
                    log.info("provisional deadlines recomputed", table=kind.model.__name__, count=len(changed))

        async def follow_calendar(app: FastAPI, session: AsyncSession) -> None:
            if watch.refresh(app):
                await recompute(session)
            watch.status(app)

        async def sweep(app: FastAPI, session: AsyncSession) -> None:
            await recompute(session)
            today, now = clock_today(app), clock_now(app)
            for kind in kinds:
                overdue = await announce_overdue(session, kind, today, now)
                approaching = await announce_approaching(session, kind, today, now, app.state.calendar)
                if overdue or approaching:
                    log.info("deadlines announced", table=kind.model.__name__, overdue=len(overdue),
                             approaching=len(approaching))  # fmt: skip

        parts: Sequence[Callable[[FastAPI], AbstractAsyncContextManager[None]]] = (
            every(f"{name}-calendar", check_seconds, follow_calendar),
            every(f"{name}-sweep", sweep_seconds, sweep),
        )
        async with AsyncExitStack() as stack:
            for part in parts:
                await stack.enter_async_context(part(app))
            yield

    return lifespan
