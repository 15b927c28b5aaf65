"""Every query of the replica of open data.

What the other parts of open-svc read (datasets, previews, downloads, the CKAN datastore): `rows`, `count`,
`counts` and `digest`. Each serves only records of entries that open-svc's own catalogue read model holds as open
(hub.published_catalogue.openness, A22.1, A38.1), on top of the centre publishing nothing else: an entry closed
in the catalogue disappears from every reader the moment open-svc learns of it, even before its tombstones arrive.

What the changelog's follower writes (open_svc.replica.service): records upserted and removed, and its positions.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import BigInteger, ColumnElement, Integer, Text, bindparam, cast, exists, func, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY, BIT, TIMESTAMP, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import PublishedEntry
from open_svc.replica.models import OpenRecord, ReplicaPosition

# The longest page `rows` returns.
MAX_PAGE = 5000
# next_offset of a partition to replay from its start.
FROM_START = -1


def _served(entry_id: uuid.UUID) -> ColumnElement[bool]:
    open_entry = exists().where(PublishedEntry.entry_id == OpenRecord.entry_id, open_clause(PublishedEntry))
    return (OpenRecord.entry_id == entry_id) & open_entry


async def rows(
    session: AsyncSession, entry_id: uuid.UUID, *, after: str | None = None, limit: int = 100
) -> Sequence[OpenRecord]:
    """A page of the open entry's records in key order, after the key `after` (the cursor: the last key of the
    previous page); none for an entry that is not open."""
    query = select(OpenRecord).where(_served(entry_id)).order_by(OpenRecord.key).limit(max(1, min(limit, MAX_PAGE)))
    if after is not None:
        query = query.where(OpenRecord.key > after)
    return (await session.execute(query)).scalars().all()


async def count(session: AsyncSession, entry_id: uuid.UUID) -> int:
    """How many records the open entry has (0 for an entry that is not open)."""
    query = select(func.count()).select_from(OpenRecord).where(_served(entry_id))
    return int((await session.execute(query)).scalar_one())


async def counts(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    """How many records each of these open entries has; an entry without any (or not open) is left out."""
    if not entry_ids:
        return {}
    open_entry = exists().where(PublishedEntry.entry_id == OpenRecord.entry_id, open_clause(PublishedEntry))
    query = (
        select(OpenRecord.entry_id, func.count())
        .where(OpenRecord.entry_id.in_(list(entry_ids)), open_entry)
        .group_by(OpenRecord.entry_id)
    )
    return {entry_id: int(n) for entry_id, n in await session.execute(query)}


@dataclass(frozen=True)
class Digest:
    """The content of an entry's records in two figures: how many, and a checksum that does not depend on their
    order (the sum of the first 60 bits of each record's MD5 of key, U+001F, data as PostgreSQL's jsonb text)."""

    rows: int
    checksum: int


# Each record's share of the checksum: the first 60 bits of its MD5, a bigint that cannot overflow when summed.
_RECORD_HASH = cast(
    cast(literal("x") + func.left(func.md5(OpenRecord.key + func.chr(31) + cast(OpenRecord.data, Text)), 15), BIT(60)),
    BigInteger,
)


async def digest(session: AsyncSession, entry_id: uuid.UUID) -> Digest:
    """The open entry's records as a row count and a checksum (for comparing the replica with the centre)."""
    query = select(func.count(), func.coalesce(func.sum(_RECORD_HASH), 0)).where(_served(entry_id))
    rows_, checksum = (await session.execute(query)).one()
    return Digest(int(rows_), int(checksum))


# The follower's writes.

_UPSERT = text(
    """
    INSERT INTO open_records (entry_id, key, data, updated_at)
    SELECT u.entry_id, u.key, u.data::jsonb, u.updated_at
    FROM unnest(:entry_ids, :keys, :data, :times) AS u(entry_id, key, data, updated_at)
    ON CONFLICT (entry_id, key) DO UPDATE SET data = EXCLUDED.data, updated_at = EXCLUDED.updated_at
    """
).bindparams(
    bindparam("entry_ids", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("keys", type_=ARRAY(Text)),
    bindparam("data", type_=ARRAY(Text)),
    bindparam("times", type_=ARRAY(TIMESTAMP(timezone=True))),
)

_REMOVE = text(
    """
    DELETE FROM open_records r USING unnest(:entry_ids, :keys) AS d(entry_id, key)
    WHERE r.entry_id = d.entry_id AND r.key = d.key
    """
).bindparams(bindparam("entry_ids", type_=ARRAY(UUID(as_uuid=True))), bindparam("keys", type_=ARRAY(Text)))


@dataclass(frozen=True)
class Upsert:
    """A record's content as a message of the changelog carried it."""

    entry_id: uuid.UUID
    key: str
    data: str  # a JSON object
    published_at: datetime


async def upsert(session: AsyncSession, records: Sequence[Upsert]) -> None:
    """Store the records' content, new or over what was stored (each key once)."""
    if records:
        await session.execute(
            _UPSERT,
            {
                "entry_ids": [r.entry_id for r in records],
                "keys": [r.key for r in records],
                "data": [r.data for r in records],
                "times": [r.published_at for r in records],
            },
        )


async def remove(session: AsyncSession, keys: Sequence[tuple[uuid.UUID, str]]) -> None:
    """Remove the records (a tombstone each); a record not held is no matter."""
    if keys:
        await session.execute(_REMOVE, {"entry_ids": [e for e, _ in keys], "keys": [k for _, k in keys]})


async def positions(session: AsyncSession) -> dict[int, ReplicaPosition]:
    """Where the replica stands in each partition it has a position for (read again, even if the session holds the
    rows already: a reset changes them by a statement)."""
    query = select(ReplicaPosition).execution_options(populate_existing=True)
    return {p.partition: p for p in (await session.execute(query)).scalars()}


async def advance(session: AsyncSession, partition: int, expected: int | None, next_offset: int) -> bool:
    """Move a partition's position from `expected` (None: it has none) to `next_offset`; False when it is not at
    `expected` any more (a rebuild reset it), and then nothing changed."""
    if expected is None:
        inserted = await session.execute(
            insert(ReplicaPosition)
            .values(partition=partition, next_offset=next_offset)
            .on_conflict_do_nothing(index_elements=[ReplicaPosition.partition])
            .returning(ReplicaPosition.partition)
        )
        return inserted.first() is not None
    moved = await session.execute(
        text("UPDATE open_replica_positions SET next_offset = :new WHERE partition = :p AND next_offset = :expected"),
        {"new": next_offset, "p": partition, "expected": expected},
    )
    return int(moved.rowcount) == 1  # type: ignore[attr-defined]


_CAUGHT_UP = text(
    """
    UPDATE open_replica_positions p SET caught_up_at = now()
    FROM unnest(:partitions, :offsets) AS c(partition, next_offset)
    WHERE p.partition = c.partition AND p.next_offset = c.next_offset
    """
).bindparams(bindparam("partitions", type_=ARRAY(Integer)), bindparam("offsets", type_=ARRAY(BigInteger)))


async def mark_caught_up(session: AsyncSession, at: dict[int, int]) -> None:
    """The replica has read these partitions to their end, at these positions (a position a rebuild reset since
    is left as it is)."""
    if at:
        await session.execute(_CAUGHT_UP, {"partitions": list(at), "offsets": list(at.values())})


async def reset(session: AsyncSession) -> None:
    """Empty the replica and replay every partition from its start (a rebuild)."""
    await session.execute(text("TRUNCATE open_records"))
    await session.execute(
        text("UPDATE open_replica_positions SET next_offset = :start, caught_up_at = NULL"), {"start": FROM_START}
    )


async def totals(session: AsyncSession) -> tuple[int, int]:
    """How many records the replica holds, of how many entries (whatever the catalogue says of them)."""
    held = (await session.execute(text("SELECT count(*), count(DISTINCT entry_id) FROM open_records"))).one()
    return int(held[0]), int(held[1])
