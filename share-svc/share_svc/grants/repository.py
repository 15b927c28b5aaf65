"""Every query of grants, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.regions import region_contains
from share_svc.applications.repository import in_scope
from share_svc.applications.rules import ListingScope
from share_svc.grants.models import Grant
from share_svc.grants.rules import GrantStatus
from share_svc.grants.schemas import GrantFilters


def _status(status: GrantStatus, now: datetime) -> ColumnElement[bool]:
    # grants.rules.grant_status, in SQL.
    unrevoked = Grant.revoked_at.is_(None)
    return {
        GrantStatus.revoked: Grant.revoked_at.is_not(None),
        GrantStatus.not_yet_valid: and_(unrevoked, Grant.valid_from > now),
        GrantStatus.live: and_(unrevoked, Grant.valid_from <= now, Grant.valid_until > now),
        GrantStatus.expired: and_(unrevoked, Grant.valid_until <= now),
    }[status]


async def regions_within(session: AsyncSession, region_code: str) -> list[str]:
    """The regions grants are in that lie within `region_code` (itself included), by the mesh's one region rule."""
    held = (await session.execute(select(Grant.region_code).distinct())).scalars()
    return [code for code in held if region_contains(region_code, code)]


async def get(session: AsyncSession, grant_id: uuid.UUID, *, lock: bool = False) -> Grant | None:
    """One grant; `lock` to change it."""
    return await session.get(Grant, grant_id, with_for_update=lock)


async def of_application(session: AsyncSession, application_id: uuid.UUID) -> Grant | None:
    """The grant an application was granted, if any."""
    return (await session.execute(select(Grant).where(Grant.application_id == application_id))).scalar_one_or_none()


async def page(
    session: AsyncSession, scope: ListingScope, regions: Collection[str], filters: GrantFilters, now: datetime,
    limit: int, offset: int,
) -> Sequence[Grant]:  # fmt: skip
    """Grants in the scope, newest first."""
    query = select(Grant).where(
        in_scope(scope, regions, Grant.consumer_agency_id, Grant.provider_agency_id, Grant.region_code)
    )
    if filters.status is not None:
        query = query.where(_status(filters.status, now))
    if filters.entry_id is not None:
        query = query.where(Grant.entry_id == filters.entry_id)
    query = query.order_by(Grant.issued_at.desc(), Grant.id.desc()).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def unexpired_of_entry(session: AsyncSession, entry_id: uuid.UUID, now: datetime) -> Sequence[Grant]:
    """The entry's grants neither revoked nor expired (live or not yet valid), locked to be narrowed or revoked."""
    query = (
        select(Grant)
        .where(Grant.entry_id == entry_id, Grant.revoked_at.is_(None), Grant.valid_until > now)
        .order_by(Grant.id)
        .with_for_update()
    )
    return (await session.execute(query)).scalars().all()
