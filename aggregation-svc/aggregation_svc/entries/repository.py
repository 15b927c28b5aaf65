"""Queries of the catalogue read model beyond the shared read model's own (hub.published_catalogue)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.models import PublishedEntry


async def entries(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> Sequence[PublishedEntry]:
    """The entries of these ids the read model holds, retired ones included."""
    query = select(PublishedEntry).where(PublishedEntry.entry_id.in_(entry_ids))
    return (await session.execute(query)).scalars().all()
