"""Every query of the grants read model."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.grants.models import Grant

FINGERPRINT_KEY_BYTES = 32


async def held(session: AsyncSession, grant_id: uuid.UUID, entry_id: uuid.UUID) -> Grant:
    """The grant's row, made (with a fresh fingerprint key) if the centre has not heard of it yet, and locked until
    the transaction ends so that its events apply one after another."""
    await session.execute(
        insert(Grant)
        .values(grant_id=grant_id, entry_id=entry_id, fingerprint_key=secrets.token_bytes(FINGERPRINT_KEY_BYTES))
        .on_conflict_do_nothing(index_elements=[Grant.grant_id])
    )
    statement = (
        select(Grant).where(Grant.grant_id == grant_id).with_for_update().execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one()


async def grant(session: AsyncSession, grant_id: uuid.UUID) -> Grant | None:
    """One grant as committed now: read fresh on every delivery, so a revocation refuses the next pull."""
    return await session.get(Grant, grant_id, populate_existing=True)


async def of_agency_and_entry(session: AsyncSession, agency_id: uuid.UUID, entry_id: uuid.UUID) -> Sequence[Grant]:
    """The agency's issued grants of an entry, live or not."""
    statement = select(Grant).where(
        Grant.consumer_agency_id == agency_id, Grant.entry_id == entry_id, Grant.issued_at.is_not(None)
    )
    return (await session.execute(statement)).scalars().all()
