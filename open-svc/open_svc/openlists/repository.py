"""Every query of the open lists (A23.1)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import OpenType
from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.openlists.models import OpenListChange


async def agencies_with_lists(session: AsyncSession, limit: int, offset: int) -> Sequence[RowMapping]:
    """Every agency that has, or had, an open list: its id and name, how many entries its list holds now (all,
    unconditional, conditional) and when the list last changed; by name."""
    entry = PublishedEntry
    history = (
        select(OpenListChange.agency_id, func.max(OpenListChange.at).label("changed_at"))
        .group_by(OpenListChange.agency_id)
        .subquery()
    )
    listed = (
        select(
            entry.provider_agency_id.label("agency_id"),
            func.count().label("total"),
            func.count().filter(entry.open_type == OpenType.unconditional.value).label("unconditional"),
            func.count().filter(entry.open_type == OpenType.conditional.value).label("conditional"),
        )
        .where(open_clause(entry))
        .group_by(entry.provider_agency_id)
        .subquery()
    )
    query = (
        select(
            history.c.agency_id,
            KnownAgency.name.label("agency_name"),
            func.coalesce(listed.c.total, 0).label("total"),
            func.coalesce(listed.c.unconditional, 0).label("unconditional"),
            func.coalesce(listed.c.conditional, 0).label("conditional"),
            history.c.changed_at,
        )
        .outerjoin(listed, listed.c.agency_id == history.c.agency_id)
        .outerjoin(KnownAgency, KnownAgency.id == history.c.agency_id)
        .order_by(KnownAgency.name.nulls_last(), history.c.agency_id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(query)).mappings().all()


async def has_history(session: AsyncSession, agency_id: uuid.UUID) -> bool:
    """Whether the agency's open list ever held an entry."""
    query = select(OpenListChange.id).where(OpenListChange.agency_id == agency_id).limit(1)
    return (await session.execute(query)).first() is not None


async def changes(
    session: AsyncSession, agency_id: uuid.UUID, before: int | None, limit: int
) -> Sequence[OpenListChange]:
    """The agency's open-list changes, newest first, a page before change id `before`."""
    query = (
        select(OpenListChange)
        .where(OpenListChange.agency_id == agency_id)
        .order_by(OpenListChange.id.desc())
        .limit(limit)
    )
    if before is not None:
        query = query.where(OpenListChange.id < before)
    return (await session.execute(query)).scalars().all()


def add_change(session: AsyncSession, change: OpenListChange) -> None:
    """Keep one change of a list."""
    session.add(change)


async def last_changed(session: AsyncSession, agency_id: uuid.UUID) -> datetime | None:
    """When the agency's open list last changed."""
    query = select(func.max(OpenListChange.at)).where(OpenListChange.agency_id == agency_id)
    return (await session.execute(query)).scalar_one()


async def listed_by_open_type(session: AsyncSession, agency_id: uuid.UUID) -> dict[str, int]:
    """How many entries the agency's open list holds, by open type."""
    query = (
        select(PublishedEntry.open_type, func.count())
        .where(PublishedEntry.provider_agency_id == agency_id, open_clause(PublishedEntry))
        .group_by(PublishedEntry.open_type)
    )
    return {str(open_type): count for open_type, count in (await session.execute(query)).all()}
