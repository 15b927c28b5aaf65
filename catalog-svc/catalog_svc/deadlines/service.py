"""Use cases of change notices (A14.2): open, meet, flag overdue, list and count per agency."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.deadlines.models import ChangeNotice
from catalog_svc.deadlines.rules import due_date, is_overdue
from catalog_svc.entries.models import Entry
from hub.contracts.catalog import ChangeNoticeMet, ChangeNoticeOpened, ChangeNoticeOverdue
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
    }


async def open_notice(
    session: AsyncSession, entry: Entry, reason: str, opened_by: str, today: date, calendar: WorkingCalendar
) -> ChangeNotice:
    """The entry's agency must update it within 15 working days (A14.2)."""
    notice = ChangeNotice(
        id=uuid.uuid4(), entry_id=entry.id, agency_id=entry.provider_agency_id, region_code=entry.region_code,
        reason=reason, opened_on=today, due_on=due_date(today, calendar), state="open", opened_by=opened_by,
    )  # fmt: skip
    session.add(notice)
    await session.flush()
    record_event(session, ChangeNoticeOpened(**_fields(notice), reason=reason), source=SOURCE)
    return notice


async def meet_notices(session: AsyncSession, entry: Entry, today: date) -> list[ChangeNotice]:
    """A submitted update meets the entry's open (or overdue) notices; late if after the due date."""
    query = select(ChangeNotice).where(ChangeNotice.entry_id == entry.id, ChangeNotice.state.in_(("open", "overdue")))
    notices = list((await session.execute(query.with_for_update())).scalars())
    for notice in notices:
        notice.met_late = notice.state == "overdue" or today > notice.due_on
        notice.state, notice.met_on = "met", today
        record_event(session, ChangeNoticeMet(**_fields(notice), met_on=today, late=notice.met_late), source=SOURCE)
    await session.flush()
    return notices


async def flag_overdue(session: AsyncSession, today: date) -> list[ChangeNotice]:
    """Mark every open notice past its due date overdue and announce it (run periodically)."""
    query = select(ChangeNotice).where(ChangeNotice.state == "open", ChangeNotice.due_on < today)
    flagged = []
    for notice in (await session.execute(query.with_for_update(skip_locked=True))).scalars():
        if is_overdue(notice.state, notice.due_on, today):
            notice.state = "overdue"
            record_event(session, ChangeNoticeOverdue(**_fields(notice)), source=SOURCE)
            flagged.append(notice)
    await session.flush()
    return flagged


async def notices(
    session: AsyncSession, regions: list[str], agency_id: uuid.UUID | None, state: str | None
) -> Sequence[ChangeNotice]:
    query = select(ChangeNotice).where(ChangeNotice.region_code.in_(regions)).order_by(ChangeNotice.due_on)
    if agency_id:
        query = query.where(ChangeNotice.agency_id == agency_id)
    if state:
        query = query.where(ChangeNotice.state == state)
    return (await session.execute(query)).scalars().all()


async def counts_per_agency(session: AsyncSession, regions: list[str]) -> dict[str, dict[str, int]]:
    """Open, met, met late and overdue notices per agency: overdue ones count against it (A14.2, A32.1)."""
    query = (
        select(ChangeNotice.agency_id, ChangeNotice.state, ChangeNotice.met_late, func.count())
        .where(ChangeNotice.region_code.in_(regions))
        .group_by(ChangeNotice.agency_id, ChangeNotice.state, ChangeNotice.met_late)
    )
    out: dict[str, dict[str, int]] = {}
    for agency_id, state, late, count in await session.execute(query):
        row = out.setdefault(str(agency_id), {"open": 0, "met": 0, "met_late": 0, "overdue": 0})
        row[state] += count
        if state == "met" and late:
            row["met_late"] += count
    return out
