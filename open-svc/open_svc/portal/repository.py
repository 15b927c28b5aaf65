"""The portal's own queries: what its pages show beside what the other domains' services answer."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import KnownAgency, PublishedEntry


async def agency_names(session: AsyncSession) -> dict[uuid.UUID, str]:
    """Every agency the platform knows, by name: whom a request for data may name (A27.1)."""
    rows = await session.execute(select(KnownAgency.id, KnownAgency.name).order_by(KnownAgency.name))
    return {agency_id: name for agency_id, name in rows.all()}


async def open_names(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of those entries that are open datasets now (A22.1, A38.1): any other is not to be shown."""
    if not entry_ids:
        return {}
    query = select(PublishedEntry.entry_id, PublishedEntry.name).where(
        PublishedEntry.entry_id.in_(list(entry_ids)), open_clause(PublishedEntry)
    )
    return {entry_id: name for entry_id, name in (await session.execute(query)).all()}
