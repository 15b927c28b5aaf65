"""Use cases of change notices (A14.2): open, meet, announce due soon and overdue, recompute provisional due
dates, list and count per agency. The deadline mechanics are hub.deadlines'; this module names the table and the
events."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.deadlines import repository
from catalog_svc.deadlines.models import ChangeNotice
from catalog_svc.deadlines.rules import UPDATE_WORKING_DAYS, NoticeState
from catalog_svc.entries.models import Entry
from hub.contracts.catalog import (
    ChangeNoticeDueDateRecomputed,
    ChangeNoticeDueSoon,
    ChangeNoticeMet,
    ChangeNoticeOpened,
    ChangeNoticeOverdue,
)
from hub.deadlines import DeadlineKind, announce_overdue
from hub.outbox import record_event
from hub.workdays import WorkingCalendar

SOURCE = "/hub/catalog"


def _fields(notice: ChangeNotice) -> dict[str, Any]:
    return {
        "notice_id": notice.id,
        "entry_id": notice.entry_id,
        "agency_id": notice.agency_id,
        "region_code": notice.region_code,
        "due_on": notice.due_on,
        "provisional": notice.due_provisional,
    }


async def _announce_overdue(session: AsyncSession, notice: ChangeNotice) -> None:
    await record_event(session, ChangeNoticeOverdue(**_fields(notice)), source=SOURCE)


async def _announce_due_soon(session: AsyncSession, notice: ChangeNotice) -> None:
    await record_event(session, ChangeNoticeDueSoon(**_fields(notice)), source=SOURCE)


async def _announce_recomputed(session: AsyncSession, notice: ChangeNotice, previous_due_on: date) -> None:
    event = ChangeNoticeDueDateRecomputed(**_fields(notice), previous_due_on=previous_due_on)
    await record_event(session, event, source=SOURCE)


CHANGE_NOTICES = DeadlineKind(
    model=ChangeNotice,
    on_overdue=_announce_overdue,
    on_approaching=_announce_due_soon,
    on_recomputed=_announce_recomputed,
)


async def open_notice(
    session: AsyncSession, entry: Entry, reason: str, opened_by: str, today: date, calendar: WorkingCalendar
) -> ChangeNotice:
    """The entry's agency must update it within 15 working days (A14.2). The due date is provisional, never an
    error, when the calendar does not cover the 15 working days yet; it is recomputed once it does."""
    notice = ChangeNotice(
        id=uuid.uuid4(), entry_id=entry.id, agency_id=entry.provider_agency_id, region_code=entry.region_code,
        reason=reason, opened_by=opened_by,
    )  # fmt: skip
    notice.start_deadline(today, UPDATE_WORKING_DAYS, calendar)
    session.add(notice)
    await session.flush()
    await record_event(session, ChangeNoticeOpened(**_fields(notice), reason=reason), source=SOURCE)
    return notice


async def meet_notices(session: AsyncSession, entry_ids: Collection[uuid.UUID], today: date) -> list[ChangeNotice]:
    """Submitted updates meet their entries' open (or overdue) notices; late if after the due date."""
    notices = await repository.running_for_entries(session, entry_ids)
    for notice in notices:
        notice.met_late = notice.close_deadline(today)
        await record_event(
            session, ChangeNoticeMet(**_fields(notice), met_on=today, late=notice.met_late), source=SOURCE
        )
    await session.flush()
    return notices


async def flag_overdue(session: AsyncSession, today: date, now: datetime | None = None) -> list[ChangeNotice]:
    """Announce every open notice past its due date overdue, once (the sweeper runs it periodically)."""
    return await announce_overdue(session, CHANGE_NOTICES, today, now or datetime.now(UTC))


async def notices(
    session: AsyncSession, regions: list[str], agency_id: uuid.UUID | None, state: NoticeState | None
) -> Sequence[ChangeNotice]:
    """Notices of the regions, earliest due first."""
    return await repository.in_regions(session, regions, agency_id, state)


async def counts_per_agency(session: AsyncSession, regions: list[str]) -> dict[str, dict[str, int]]:
    """Open, met, met late and overdue notices per agency: overdue ones count against it (A14.2, A32.1)."""
    out: dict[str, dict[str, int]] = {}
    for agency_id, state, late, count in await repository.counts_per_agency(session, regions):
        row = out.setdefault(str(agency_id), {"open": 0, "met": 0, "met_late": 0, "overdue": 0})
        row[state] += count
        if state == "met" and late:
            row["met_late"] += count
    return out
