"""Every query of change notices (A14.2), and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.deadlines.models import ChangeNotice
from catalog_svc.deadlines.rules import NoticeState


async def running_for_entries(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> list[ChangeNotice]:
    """The entries' notices not met yet (open or overdue), locked: updates are about to meet them."""
    if not entry_ids:
        return []
    query = select(ChangeNotice).where(ChangeNotice.entry_id.in_(entry_ids), ChangeNotice.closed_on.is_(None))
    return list((await session.execute(query.with_for_update())).scalars())


async def in_regions(
    session: AsyncSession, regions: list[str], agency_id: uuid.UUID | None, state: NoticeState | None
) -> Sequence[ChangeNotice]:
    """Notices of the regions, of one agency and in one state if given, earliest due first."""
    query = select(ChangeNotice).where(ChangeNotice.region_code.in_(regions)).order_by(ChangeNotice.due_on)
    if agency_id:
        query = query.where(ChangeNotice.agency_id == agency_id)
    if state:
        query = query.where(ChangeNotice.state == state)
    return (await session.execute(query)).scalars().all()


async def counts_per_agency(session: AsyncSession, regions: list[str]) -> list[tuple[uuid.UUID, str, bool, int]]:
    """(agency, state, met late, count) over the regions' notices."""
    query = (
        select(ChangeNotice.agency_id, ChangeNotice.state, ChangeNotice.met_late, func.count())
        .where(ChangeNotice.region_code.in_(regions))
        .group_by(ChangeNotice.agency_id, ChangeNotice.state, ChangeNotice.met_late)
    )
    return [(agency_id, state, late, count) for agency_id, state, late, count in await session.execute(query)]
