"""Every query of the ingest domain. Rows are written a chunk per statement (unnest of arrays), so a batch of
any size takes a bounded amount of memory and a few round trips per thousand rows."""

from __future__ import annotations

import uuid
from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY, UUID, insert
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.consent.models import Consent
from aggregation_svc.ingest.models import Batch, QuarantinedRow


@dataclass(frozen=True)
class Accepted:
    """A valid row, ready to store."""

    row_number: int
    key: str
    data: str  # canonical JSON
    consent_id: uuid.UUID | None


@dataclass(frozen=True)
class Rejected:
    """An invalid row, ready to quarantine."""

    row_number: int
    problems: str  # JSON list of {field, reason, requirement}
    raw: str


async def claim_batch(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Insert the batch row, unless its id is taken; True when this transaction owns the batch.

    A concurrent push of the same id waits here until the first one commits or rolls back, so a batch is ingested
    once. A batch refused whole (ingest topic) had no effect and may be submitted again under the same id.
    """
    table = Batch.__table__
    statement = (
        insert(Batch)
        .values(values)
        .on_conflict_do_update(
            index_elements=[table.c.entry_id, table.c.batch_id],
            set_={k: v for k, v in values.items() if k not in ("entry_id", "batch_id")},
            where=table.c.status == "refused",
        )
        .returning(table.c.batch_id)
    )
    return (await session.execute(statement)).first() is not None


async def batch(session: AsyncSession, entry_id: uuid.UUID, batch_id: str) -> Batch | None:
    return await session.get(Batch, (entry_id, batch_id), populate_existing=True)


async def record_refusal(session: AsyncSession, values: dict[str, Any]) -> None:
    """Keep why a batch from the ingest topic was refused, unless the id was ingested meanwhile."""
    table = Batch.__table__
    await session.execute(
        insert(Batch)
        .values(values)
        .on_conflict_do_update(
            index_elements=[table.c.entry_id, table.c.batch_id],
            set_={k: v for k, v in values.items() if k not in ("entry_id", "batch_id")},
            where=table.c.status == "refused",
        )
    )


async def valid_consents(
    session: AsyncSession, consent_ids: Set[uuid.UUID], entry_id: uuid.UUID, agency_id: uuid.UUID, now: datetime
) -> set[uuid.UUID]:
    """Those of the consents that hold now for the entry: recorded by its agency, unrevoked, unexpired (A16.1)."""
    query = select(Consent.id).where(
        Consent.id.in_(consent_ids),
        Consent.agency_id == agency_id,
        Consent.entry_ids.contains([entry_id]),
        Consent.revoked_at.is_(None),
        (Consent.expires_at.is_(None)) | (Consent.expires_at > now),
    )
    return set((await session.execute(query)).scalars())


_UPSERT = text(
    """
    WITH input AS (
        SELECT * FROM unnest(:keys, :data, :consents, :rows) AS t(key, data, consent_id, row_number)
    ), upserted AS (
        INSERT INTO records AS r (entry_id, key, data, consent_id, agency_id, batch_id, version, created_at, updated_at)
        SELECT :entry_id, key, data::jsonb, consent_id, :agency_id, :batch_id, 1, :now, :now FROM input
        ON CONFLICT (entry_id, key) DO UPDATE SET
            data = excluded.data, consent_id = excluded.consent_id, agency_id = excluded.agency_id,
            batch_id = excluded.batch_id, version = r.version + 1, updated_at = excluded.updated_at
        RETURNING r.key, r.version, r.consent_id
    ), logged AS (
        INSERT INTO record_history
            (entry_id, key, operation, version, batch_id, row_number, agency_id, consent_id, recorded_at)
        SELECT :entry_id, u.key, CASE WHEN u.version = 1 THEN 'inserted' ELSE 'updated' END, u.version,
               :batch_id, i.row_number, :agency_id, u.consent_id, :now
        FROM upserted u JOIN input i USING (key)
        RETURNING operation
    )
    SELECT count(*) FILTER (WHERE operation = 'inserted'), count(*) FROM logged
    """
).bindparams(
    bindparam("keys", type_=ARRAY(Text)),
    bindparam("data", type_=ARRAY(Text)),
    bindparam("consents", type_=ARRAY(UUID(as_uuid=True))),
    bindparam("rows", type_=ARRAY(Integer)),
)


async def upsert_records(
    session: AsyncSession,
    entry_id: uuid.UUID,
    batch_id: str,
    agency_id: uuid.UUID,
    rows: Sequence[Accepted],
    now: datetime,
) -> tuple[int, int]:
    """Upsert rows whose keys are distinct, logging each change in the record's history; (inserted, updated)."""
    if not rows:
        return 0, 0
    result = await session.execute(
        _UPSERT,
        {
            "keys": [r.key for r in rows],
            "data": [r.data for r in rows],
            "consents": [r.consent_id for r in rows],
            "rows": [r.row_number for r in rows],
            "entry_id": entry_id,
            "agency_id": agency_id,
            "batch_id": batch_id,
            "now": now,
        },
    )
    inserted, written = result.one()
    return int(inserted), int(written) - int(inserted)


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
