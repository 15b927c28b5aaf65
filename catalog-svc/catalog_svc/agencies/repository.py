"""Every query of the agency registry."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies.models import Agency


async def get(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    """One agency by id."""
    return await session.get(Agency, agency_id)


async def by_credit_code(session: AsyncSession, credit_code: str) -> Agency | None:
    """One agency by its unified social credit code."""
    return (await session.execute(select(Agency).where(Agency.credit_code == credit_code))).scalar_one_or_none()


async def page(session: AsyncSession, limit: int, offset: int) -> Sequence[Agency]:
    """Agencies in registration order."""
    query = select(Agency).order_by(Agency.registered_at, Agency.id).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def by_ids(session: AsyncSession, ids: Collection[uuid.UUID]) -> Sequence[Agency]:
    """The agencies with these ids (those that exist)."""
    if not ids:
        return []
    return (await session.execute(select(Agency).where(Agency.id.in_(ids)))).scalars().all()
