"""Every query of data keys, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.keys.models import DataKey


async def get(session: AsyncSession, key_id: uuid.UUID) -> DataKey | None:
    """One key."""
    return await session.get(DataKey, key_id)


async def lock(session: AsyncSession, key: DataKey) -> None:
    """Lock a key read before (FOR UPDATE) and reload it as it now is."""
    await session.refresh(key, with_for_update=True)


async def by_digest(session: AsyncSession, digest: str) -> DataKey | None:
    """The key with this digest, revoked or not."""
    return (await session.execute(select(DataKey).where(DataKey.digest == digest))).scalar_one_or_none()


async def live_of_application(session: AsyncSession, application_id: uuid.UUID) -> Sequence[DataKey]:
    """The application's keys not revoked, locked to revoke them."""
    query = select(DataKey).where(DataKey.application_id == application_id, DataKey.revoked_at.is_(None))
    return (await session.execute(query.with_for_update())).scalars().all()


async def of_application(session: AsyncSession, application_id: uuid.UUID) -> Sequence[DataKey]:
    """Every key issued for the application, newest first."""
    query = select(DataKey).where(DataKey.application_id == application_id).order_by(DataKey.issued_at.desc())
    return (await session.execute(query)).scalars().all()
