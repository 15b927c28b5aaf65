"""The queries of the published quality scores (A25.1)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import PublishedEntry
from open_svc.quality.models import PublishedQualityScore


async def held_entries(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> Sequence[PublishedEntry]:
    """The entries open-svc holds among `entry_ids`, open or not, in id order, held (FOR SHARE) until the
    transaction ends: a new version or a retirement waits, so a score is never stated of a version already
    replaced."""
    if not entry_ids:
        return []
    query = (
        select(PublishedEntry)
        .where(PublishedEntry.entry_id.in_(list(entry_ids)))
        .order_by(PublishedEntry.entry_id)
        .with_for_update(read=True)
    )
    return (await session.execute(query)).scalars().all()


async def open_entry_ids(session: AsyncSession, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """A page of the open entries' ids (A22.1), in id order, after `after`."""
    query = select(PublishedEntry.entry_id).where(open_clause(PublishedEntry))
    if after is not None:
        query = query.where(PublishedEntry.entry_id > after)
    return list((await session.execute(query.order_by(PublishedEntry.entry_id).limit(limit))).scalars())


async def store_changed(
    session: AsyncSession, scores: Sequence[tuple[uuid.UUID, float, int, int]], at: datetime
) -> set[uuid.UUID]:
    """Store these (entry, score, met, criteria); the entries whose stored score was absent or different.

    One statement: a concurrent transaction storing the same figure waits on the row and then finds it unchanged,
    so a change is reported once."""
    if not scores:
        return set()
    table = PublishedQualityScore
    rows = [
        {"entry_id": entry_id, "score": score, "met": met, "criteria": criteria, "scored_at": at}
        for entry_id, score, met, criteria in sorted(scores)
    ]
    values = insert(table).values(rows)
    new = values.excluded
    statement = values.on_conflict_do_update(
        index_elements=[table.entry_id],
        set_={"score": new.score, "met": new.met, "criteria": new.criteria, "scored_at": new.scored_at},
        where=tuple_(table.score, table.met, table.criteria).is_distinct_from(tuple_(new.score, new.met, new.criteria)),
    ).returning(table.entry_id)
    return set((await session.execute(statement)).scalars())


async def forget(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> None:
    """Drop the stored scores of entries that are no longer open (A22.1)."""
    if entry_ids:
        await session.execute(delete(PublishedQualityScore).where(PublishedQualityScore.entry_id.in_(list(entry_ids))))


async def forget_closed(session: AsyncSession) -> None:
    """Drop every stored score of an entry that is no longer open, or no longer held."""
    still_open = select(PublishedEntry.entry_id).where(open_clause(PublishedEntry))
    await session.execute(delete(PublishedQualityScore).where(PublishedQualityScore.entry_id.not_in(still_open)))
