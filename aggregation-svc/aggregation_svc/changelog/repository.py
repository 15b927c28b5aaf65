"""Every query of the changelog: pending work noted and claimed, and what a record publishes now.

A record publishes its data when its entry is open in the centre's read model (hub.published_catalogue.openness,
A22.1, A38.1) and it does not rest on a subject's consent (A16.1). A tombstone (None) goes only where the key may
have been published before: a record that came to rest on a consent after a version without one, a record gone, or
(a whole entry's pass) every record without consent of an entry no longer open. Nothing else of an entry, not
even a key, reaches the topic: not the records of an entry that is not open, nor those that always rested on a
consent. Openness and the record are read by one statement, at one moment.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Text, cast, delete, exists, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql.base import PGDialect
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.changelog.models import PendingChange
from aggregation_svc.entries.models import PublishedEntry
from aggregation_svc.ingest.models import Record
from hub.db import driver_connection
from hub.published_catalogue.openness import open_clause

# (record key, its data as JSON text, or None for a tombstone)
State = tuple[str, str | None]


@dataclass(frozen=True)
class Claimed:
    """A pending row, held by the claiming transaction until it ends."""

    id: int
    entry_id: uuid.UUID
    keys: list[str] | None
    after_key: str | None


async def note_keys(session: AsyncSession, entry_id: uuid.UUID, keys: Sequence[str]) -> None:
    """Note keys of the entry whose records changed, in the session's transaction (a batch's: asyncpg itself takes
    the chunk's thousands of keys, which SQLAlchemy would process one by one)."""
    driver = await driver_connection(session)
    await driver.execute("INSERT INTO open_changelog (entry_id, keys) VALUES ($1, $2::text[])", entry_id, list(keys))


async def note_entry(session: AsyncSession, entry_id: uuid.UUID) -> None:
    """Note that every record of the entry publishes again (its openness changed)."""
    await session.execute(insert(PendingChange).values(entry_id=entry_id, keys=None))


async def note_open_entries(session: AsyncSession) -> int:
    """Note every open entry holding records, whole; how many."""
    holding = exists().where(Record.entry_id == PublishedEntry.entry_id)
    query = select(PublishedEntry.entry_id, cast(None, ARRAY(Text))).where(open_clause(PublishedEntry), holding)
    result = await session.execute(insert(PendingChange).from_select(["entry_id", "keys"], query))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _of_kind(whole_entries: bool) -> ColumnElement[bool]:
    return PendingChange.keys.is_(None) if whole_entries else PendingChange.keys.is_not(None)


async def claim(session: AsyncSession, *, whole_entries: bool, limit: int) -> list[Claimed]:
    """Pending rows of one kind (noted keys, or whole entries) in id order, held until the transaction ends; rows
    another transaction holds are skipped, those not committed yet are not seen."""
    query = (
        select(PendingChange.id, PendingChange.entry_id, PendingChange.keys, PendingChange.after_key)
        .where(_of_kind(whole_entries))
        .order_by(PendingChange.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return [Claimed(*row) for row in await session.execute(query)]


# The open rule as SQL on the read model's table, for statements sent to asyncpg itself: the relay reads tens of
# thousands of records at a time, and SQLAlchemy's processing of each row would cost more than publishing it.
_DIALECT = PGDialect()  # type: ignore[no-untyped-call]  # SQLAlchemy's dialects are not annotated
_OPEN = open_clause(PublishedEntry).compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True})
_ENTRY_IS_OPEN = f"EXISTS (SELECT 1 FROM published_entries WHERE published_entries.entry_id = $1 AND {_OPEN})"  # noqa: S608 - the open rule, compiled from constants; values are bound parameters

# One index lookup per key (LATERAL … LIMIT 1): joined plainly, PostgreSQL hashes the whole entry's records for a
# few thousand keys, seconds for an entry of a million.
_STATES_OF_KEYS = f"""
SELECT k.key, CASE WHEN r.consent_id IS NULL THEN r.data END
FROM unnest($2::text[]) AS k(key)
LEFT JOIN LATERAL (
    SELECT consent_id, data::text AS data FROM records WHERE entry_id = $1 AND key = k.key LIMIT 1
) r ON true
WHERE {_ENTRY_IS_OPEN} AND (r.consent_id IS NULL OR EXISTS (
    SELECT 1 FROM record_history h WHERE h.entry_id = $1 AND h.key = k.key AND h.consent_id IS NULL))
"""  # noqa: S608 - as _ENTRY_IS_OPEN


async def states_of_keys(session: AsyncSession, entry_id: uuid.UUID, keys: Sequence[str]) -> list[State]:
    """What the entry's noted keys publish now; nothing while the entry is not open (its whole-entry pass, noted
    when it closed, tombstones what it had published). A key resting on a consent publishes a tombstone only if
    some version of it did not (A16.1)."""
    driver = await driver_connection(session)
    return [(key, data) for key, data in await driver.fetch(_STATES_OF_KEYS, entry_id, list(keys))]


_PAGE = f"""
SELECT key, CASE WHEN {_ENTRY_IS_OPEN} THEN data::text END FROM records
WHERE entry_id = $1 AND consent_id IS NULL {{after}} ORDER BY key LIMIT $2
"""  # noqa: S608 - as _ENTRY_IS_OPEN
_FIRST_PAGE = _PAGE.format(after="")
_NEXT_PAGE = _PAGE.format(after="AND key > $3")


async def entry_page(session: AsyncSession, entry_id: uuid.UUID, after: str | None, limit: int) -> list[State]:
    """What a page of the entry's records without consent publishes now, in key order after `after`: their data
    while the entry is open, tombstones once it is not. (A record resting on a consent was never published, or was
    tombstoned when it came to rest on it.)"""
    driver = await driver_connection(session)
    if after is None:
        found = await driver.fetch(_FIRST_PAGE, entry_id, limit)
    else:
        found = await driver.fetch(_NEXT_PAGE, entry_id, limit, after)
    return [(key, data) for key, data in found]


async def done(session: AsyncSession, ids: Sequence[int]) -> None:
    """Published: the rows leave the table (with the publishing transaction)."""
    await session.execute(delete(PendingChange).where(PendingChange.id.in_(ids)))


async def advance(session: AsyncSession, pending_id: int, after_key: str) -> None:
    """A whole entry's publication has got this far."""
    await session.execute(update(PendingChange).where(PendingChange.id == pending_id).values(after_key=after_key))


async def pending_count(session: AsyncSession) -> int:
    """How many pending rows wait (a readiness figure)."""
    return int((await session.execute(select(func.count()).select_from(PendingChange))).scalar_one())
