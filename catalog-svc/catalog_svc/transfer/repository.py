"""The queries imports and exports need beside the entries' own (e.g. entries.repository.catalogue_rows)."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies.models import Agency
from catalog_svc.entries.models import Entry, EntryVersion


async def entries_by_code(session: AsyncSession, codes: Collection[str]) -> dict[str, Entry]:
    """The entries with these resource codes, by code."""
    if not codes:
        return {}
    return {e.code: e for e in (await session.execute(select(Entry).where(Entry.code.in_(codes)))).scalars()}


async def agencies(session: AsyncSession, ids: Collection[uuid.UUID]) -> list[Agency]:
    """The agencies with these ids."""
    if not ids:
        return []
    return list((await session.execute(select(Agency).where(Agency.id.in_(ids)))).scalars())


async def first_published(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each entry's first version was published."""
    if not entry_ids:
        return {}
    query = (
        select(EntryVersion.entry_id, func.min(EntryVersion.published_at))
        .where(EntryVersion.entry_id.in_(entry_ids), EntryVersion.published_at.is_not(None))
        .group_by(EntryVersion.entry_id)
    )
    return {entry_id: at for entry_id, at in (await session.execute(query)).all() if at is not None}
