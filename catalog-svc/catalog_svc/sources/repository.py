"""Every query of the authoritative-source register (A15.3), and nothing else."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.sources.models import AuthoritativeSource


async def get(session: AsyncSession, item_label: str) -> AuthoritativeSource | None:
    """The source registered for one item, if any."""
    return await session.get(AuthoritativeSource, item_label)


async def register(session: AsyncSession) -> Sequence[AuthoritativeSource]:
    """The whole register, by item."""
    query = select(AuthoritativeSource).order_by(AuthoritativeSource.item_label)
    return (await session.execute(query)).scalars().all()
