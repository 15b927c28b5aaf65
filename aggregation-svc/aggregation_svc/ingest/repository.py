"""Every query of the ingest domain. A batch's rows are written a chunk at a time, so a batch of any size takes a
bounded amount of memory: new records and every history entry by COPY (the fastest way PostgreSQL takes rows),
changed records by one UPDATE from arrays.

COPY and the reads of stored keys go to asyncpg itself, under SQLAlchemy. When the database goes away during one
of them, asyncpg's own error (a connection error, an OSError) goes to the caller unchanged, for the service to
answer as a dependency fault (503); the connection is first invalidated, as SQLAlchemy does when its own
statement meets a dead connection, so the session's rollback does not try it again and the pool drops it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Collection, Sequence, Set
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from sqlalchemy import Integer, Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import ReturningInsert

from aggregation_svc.consent.models import Consent
from aggregation_svc.ingest.models import Batch, QuarantinedRow
from aggregation_svc.ingest.writes import Change
from hub.db import driver_connection


@dataclass(frozen=True)
class Rejected:
    """An invalid row, ready to quarantine."""

    row_number: int
    problems: str  # JSON list of {field, reason, requirement}
    raw: str


async def lock_entry_records(session: AsyncSession, entry_id: uuid.UUID) -> None:
    """Hold, until the transaction ends, the right to write the entry's records.

    Batches of one entry are written one after the other (those of different entries side by side), so what a
    batch reads of the stored keys stays true while it writes: its new records can be COPYed, which is several
    times cheaper than an upsert row by row.
    """
    await session.execute(
        text("SELECT pg_advisory_xact_lock(hashtextextended('aggregation.records:' || :entry_id, 0))"),
        {"entry_id": str(entry_id)},
    )


def _insert_unless_taken(values: dict[str, Any]) -> ReturningInsert[tuple[str]]:
    """The batch row, inserted, or written over one that was refused (which had no effect); returns its id if so."""
    table = Batch.__table__
    return (
        insert(Batch)
        .values(values)
        .on_conflict_do_update(
            index_elements=[table.c.entry_id, table.c.batch_id],
            set_={k: v for k, v in values.items() if k not in ("entry_id", "batch_id")},
            where=table.c.status == "refused",
        )
        .returning(table.c.batch_id)
    )


async def claim_batch(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the batch row, unless its id is taken; True when this transaction owns the batch.

    A concurrent push of the same id waits here until the first one commits or rolls back, so a batch is ingested
    once. A batch refused whole (ingest topic) had no effect and may be submitted again under the same id.
    """
    return (await session.execute(_insert_unless_taken(values))).first() is not None


async def batch(session: AsyncSession, entry_id: uuid.UUID, batch_id: str) -> Batch | None:
    return await session.get(Batch, (entry_id, batch_id), populate_existing=True)


async def record_refusal(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep why a batch from the ingest topic was refused, unless the id was ingested meanwhile."""
    await session.execute(_insert_unless_taken(values))


async def valid_consents(
    session: AsyncSession, consent_ids: Set[uuid.UUID], entry_id: uuid.UUID, agency_id: uuid.UUID, now: datetime
) -> set[uuid.UUID]:
    """Those of the consents that hold now for the entry: recorded by its agency, unrevoked, unexpired (A16.1);
    held until the transaction ends."""
    query = select(Consent.id).where(
        Consent.id.in_(consent_ids),
        Consent.agency_id == agency_id,
        Consent.entry_ids.contains([entry_id]),
        Consent.revoked_at.is_(None),
        (Consent.expires_at.is_(None)) | (Consent.expires_at > now),
    )
    # FOR SHARE: a revocation waits for the batch that relied on the consent, so it sees (and withdraws) its records.
    return set((await session.execute(query.with_for_update(read=True))).scalars())


@asynccontextmanager
async def _driver(session: AsyncSession) -> AsyncIterator[asyncpg.Connection]:
    """The asyncpg connection under the session, in its transaction; invalidated if it dies while in use."""
    connection = await session.connection()
    driver = await driver_connection(session)
    try:
        yield driver
    except Exception as error:
        if driver.is_closed():
            await connection.invalidate(error)
        raise


async def stored_versions(session: AsyncSession, entry_id: uuid.UUID, keys: Collection[str]) -> dict[str, int]:
    """The version of each of these keys the entry already stores."""
    if not keys:
        return {}
    # asyncpg itself: SQLAlchemy would process the thousands of keys one by one on the way.
    async with _driver(session) as connection:
        rows = await connection.fetch(
            "SELECT key, version FROM records WHERE entry_id = $1 AND key = ANY($2::text[])", entry_id, list(keys)
        )
    return {key: version for key, version in rows}


async def stored_data(session: AsyncSession, entry_id: uuid.UUID, keys: Collection[str]) -> dict[str, str]:
    """The data of each of these keys the entry already stores, as JSON (what a merge push keeps of it)."""
    if not keys:
        return {}
    async with _driver(session) as connection:
        rows = await connection.fetch(
            "SELECT key, data::text FROM records WHERE entry_id = $1 AND key = ANY($2::text[])", entry_id, list(keys)
        )
    return {key: data for key, data in rows}


# created_at and updated_at are left to their default, the transaction's time: the batch's `now`.
_RECORD_COLUMNS = ("entry_id", "key", "data", "consent_id", "agency_id", "batch_id", "version")


async def transaction_time(session: AsyncSession) -> datetime:
    """The time of the session's transaction: a batch's time, which its records and their history carry."""
    moment: datetime = (await session.execute(text("SELECT now()"))).scalar_one()
    return moment


async def clock_time(session: AsyncSession) -> datetime:
    """The database's time now (a batch's end), on the same clock as `transaction_time`."""
    moment: datetime = (await session.execute(text("SELECT clock_timestamp()"))).scalar_one()
    return moment


async def _copy(session: AsyncSession, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """COPY rows into a table, in the session's transaction."""
    if rows:
        async with _driver(session) as connection:
            await connection.copy_records_to_table(table, columns=columns, records=rows)


async def insert_records(
    session: AsyncSession, entry_id: uuid.UUID, batch_id: str, agency_id: uuid.UUID, changes: Sequence[Change]
) -> None:
    """Store records whose keys the entry does not hold yet (the caller holds `lock_entry_records`)."""
    entry, agency = str(entry_id), str(agency_id)  # asyncpg encodes a UUID's text faster than a UUID object
    rows = [(entry, c.row.key, c.row.data, c.row.consent_id, agency, batch_id, c.version) for c in changes]
    await _copy(session, "records", _RECORD_COLUMNS, rows)


_UPDATE = text(
    """
    UPDATE records AS r SET data = u.data::jsonb, consent_id = u.consent_id, agency_id = :agency_id,
        batch_id = :batch_id, version = u.version, updated_at = now()
    FROM unnest(:keys, :data, :consents, :versions) AS u(key, data, consent_id, version)
    WHERE r.entry_id = :entry_id AND r.key = u.key
    """
).bindparams(
    bindparam("keys", type_=ARRAY(Text)),
    bindparam("data", type_=ARRAY(Text)),
    bindparam("consents", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("versions", type_=ARRAY(Integer)),
)


async def update_records(
    session: AsyncSession, entry_id: uuid.UUID, batch_id: str, agency_id: uuid.UUID, changes: Sequence[Change]
) -> None:
    """Give stored records their new values and versions (the caller holds `lock_entry_records`)."""
    if changes:
        await session.execute(
            _UPDATE,
            {
                "keys": [c.row.key for c in changes],
                "data": [c.row.data for c in changes],
                "consents": [c.row.consent_id for c in changes],
                "versions": [c.version for c in changes],
                "entry_id": entry_id,
                "agency_id": agency_id,
                "batch_id": batch_id,
            },
        )


# recorded_at is left to its default, the transaction's time.
_HISTORY_COLUMNS = ("entry_id", "key", "operation", "version", "batch_id", "row_number", "agency_id", "consent_id")


async def log_changes(
    session: AsyncSession, entry_id: uuid.UUID, batch_id: str, agency_id: uuid.UUID, changes: Sequence[Change]
) -> None:
    """Append each change to its record's history: which batch and row, which agency, when (A17.1, A36.1)."""
    entry, agency = str(entry_id), str(agency_id)
    rows = [
        (entry, c.row.key, c.operation, c.version, batch_id, c.row.row_number, agency, c.row.consent_id)
        for c in changes
    ]
    await _copy(session, "record_history", _HISTORY_COLUMNS, rows)


_QUARANTINE = text(
    """
    INSERT INTO quarantined_rows (entry_id, batch_id, row_number, problems, raw)
    SELECT :entry_id, :batch_id, t.row_number, t.problems::jsonb, t.raw
    FROM unnest(:rows, :problems, :raws) AS t(row_number, problems, raw)
    """
).bindparams(
    bindparam("rows", type_=ARRAY(Integer)),
    bindparam("problems", type_=ARRAY(Text)),
    bindparam("raws", type_=ARRAY(Text)),
)


async def quarantine(session: AsyncSession, entry_id: uuid.UUID, batch_id: str, rows: Sequence[Rejected]) -> None:
    if rows:
        await session.execute(
            _QUARANTINE,
            {
                "entry_id": entry_id,
                "batch_id": batch_id,
                "rows": [r.row_number for r in rows],
                "problems": [r.problems for r in rows],
                "raws": [r.raw for r in rows],
            },
        )


_PURGE_QUARANTINE = text(
    """
    WITH purged AS (
        UPDATE batches SET quarantine_purged_at = :now
        WHERE finished_at < :cutoff AND quarantined > 0 AND quarantine_purged_at IS NULL
        RETURNING entry_id, batch_id
    )
    DELETE FROM quarantined_rows q USING purged p WHERE q.entry_id = p.entry_id AND q.batch_id = p.batch_id
    """
)


async def purge_quarantine(session: AsyncSession, cutoff: datetime, now: datetime) -> int:
    """Delete the quarantined rows of batches finished before `cutoff`, noting when on each batch; rows deleted."""
    result = await session.execute(_PURGE_QUARANTINE, {"cutoff": cutoff, "now": now})
    return int(result.rowcount)  # type: ignore[attr-defined]


async def quarantined_rows(
    session: AsyncSession, entry_id: uuid.UUID, batch_id: str, after: int, limit: int
) -> Sequence[QuarantinedRow]:
    query = (
        select(QuarantinedRow)
        .where(
            QuarantinedRow.entry_id == entry_id,
            QuarantinedRow.batch_id == batch_id,
            QuarantinedRow.row_number > after,
        )
        .order_by(QuarantinedRow.row_number)
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


_WITHDRAW = text(
    """
    INSERT INTO record_history
        (entry_id, key, operation, version, batch_id, row_number, agency_id, consent_id, recorded_at)
    SELECT entry_id, key, 'withdrawn', version, NULL, NULL, :agency_id, consent_id, :now
    FROM records WHERE consent_id = :consent_id
    """
)


async def log_withdrawals(session: AsyncSession, consent_id: uuid.UUID, agency_id: uuid.UUID, now: datetime) -> int:
    """Note in each record's history that its consent was revoked (its delivery stops by the consent's state)."""
    result = await session.execute(_WITHDRAW, {"consent_id": consent_id, "agency_id": agency_id, "now": now})
    return int(result.rowcount)  # type: ignore[attr-defined]
