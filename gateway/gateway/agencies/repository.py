"""Every query of the agency read model."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.agencies.models import KnownAgency


async def get(session: AsyncSession, agency_id: uuid.UUID) -> KnownAgency | None:
    return await session.get(KnownAgency, agency_id)


async def put_registered(
    session: AsyncSession, agency_id: uuid.UUID, credit_code: str, name: str, kind: str, region_code: str,
    at: datetime,
) -> None:  # fmt: skip
    """Insert the agency, or overwrite what is known of it (an event replayed from the topic's start)."""
    values = {"credit_code": credit_code, "name": name, "kind": kind, "region_code": region_code}
    await session.execute(
        insert(KnownAgency)
        .values(id=agency_id, registered_at=at, **values)
        .on_conflict_do_update(index_elements=[KnownAgency.id], set_=values)
    )


async def put_changed(session: AsyncSession, agency_id: uuid.UUID, name: str, region_code: str, at: datetime) -> bool:
    """Update a known agency's name and region; False if the agency is not known."""
    changed = await session.execute(
        update(KnownAgency)
        .where(KnownAgency.id == agency_id)
        .values(name=name, region_code=region_code, changed_at=at)
        .returning(KnownAgency.id)
    )
    return changed.first() is not None
