"""Every query of delivery: an entry's deliverable records in key order, and one record's history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.consent.models import Consent
from aggregation_svc.ingest.models import Record, RecordChange


@dataclass(frozen=True)
class RecordQuery:
    """Which records of an entry to read, from which key on, how many."""

    entry_id: uuid.UUID
    consent_required: bool
    filters: dict[str, Any]
    exact_key: str | None
    after: str | None
    limit: int | None


def deliverable(query: RecordQuery) -> Select[tuple[str, dict[str, Any]]]:
    """The records a delivery may carry, in key order: a record resting on a consent that was revoked or has
    expired is left out, and so is one without consent in a consent-required entry (A16.1)."""
    consent_holds = exists().where(
        Consent.id == Record.consent_id,
        Consent.revoked_at.is_(None),
        or_(Consent.expires_at.is_(None), Consent.expires_at > func.now()),
    )
    statement = select(Record.key, Record.data).where(Record.entry_id == query.entry_id)
    if query.consent_required:
        statement = statement.where(Record.consent_id.is_not(None), consent_holds)
    else:
        statement = statement.where(or_(Record.consent_id.is_(None), consent_holds))
    if query.exact_key is not None:
        statement = statement.where(Record.key == query.exact_key)
    elif query.filters:
        statement = statement.where(Record.data.contains(query.filters))
    if query.after is not None:
        statement = statement.where(Record.key > query.after)
    statement = statement.order_by(Record.key)
    if query.limit is not None:
        statement = statement.limit(query.limit)
    return statement


async def count(session: AsyncSession, query: RecordQuery) -> int:
    """How many records a delivery carries (in the session's snapshot)."""
    counted = select(func.count()).select_from(deliverable(query).order_by(None).subquery())
    return int((await session.execute(counted)).scalar_one())


async def page(session: AsyncSession, query: RecordQuery) -> Sequence[tuple[str, dict[str, Any]]]:
    return [(key, data) for key, data in await session.execute(deliverable(query))]


async def record(session: AsyncSession, entry_id: uuid.UUID, key: str) -> Record | None:
    return await session.get(Record, (entry_id, key))


async def changes(session: AsyncSession, entry_id: uuid.UUID, key: str, limit: int) -> Sequence[RecordChange]:
    query = (
        select(RecordChange)
        .where(RecordChange.entry_id == entry_id, RecordChange.key == key)
        .order_by(RecordChange.id)
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()
