"""Every query of the catalogue read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.models import PublishedEntry, PublishedItem


async def entry(
    session: AsyncSession, entry_id: uuid.UUID, *, lock: bool = False, hold: bool = False
) -> PublishedEntry | None:
    """The entry; `lock` to change it (FOR UPDATE), `hold` to keep it from changing until the transaction ends
    (FOR KEY SHARE, which writers of its data take: its retirement or republication waits for them)."""
    if hold:
        return await session.get(PublishedEntry, entry_id, with_for_update={"read": True, "key_share": True})
    return await session.get(PublishedEntry, entry_id, with_for_update=lock)


async def items(session: AsyncSession, entry_id: uuid.UUID) -> Sequence[PublishedItem]:
    query = select(PublishedItem).where(PublishedItem.entry_id == entry_id).order_by(PublishedItem.position)
    return (await session.execute(query)).scalars().all()


async def entries(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> Sequence[PublishedEntry]:
    query = select(PublishedEntry).where(PublishedEntry.entry_id.in_(entry_ids))
    return (await session.execute(query)).scalars().all()


async def entry_regions(session: AsyncSession) -> list[str]:
    """Every region some published entry is in."""
    query = select(PublishedEntry.region_code).distinct()
    return list((await session.execute(query)).scalars().all())


async def replace_items(session: AsyncSession, entry_id: uuid.UUID, new_items: Sequence[PublishedItem]) -> None:
    await session.execute(delete(PublishedItem).where(PublishedItem.entry_id == entry_id))
    session.add_all(new_items)
