"""Every query of data quality: measuring entries, their snapshots, and rollups over them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import RowMapping, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.scope import REGION_IN_SCOPE, EntryScope, scope_params
from aggregation_svc.quality.models import QualitySnapshot

# One snapshot run at a time per database, whichever replica or request starts it: "newly stale" compares with
# the previous snapshot, which a concurrent run would not see yet.
SNAPSHOT_LOCK_KEY = 0x0A66_0A17


async def lock_snapshots(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SNAPSHOT_LOCK_KEY})


async def _region_params(session: AsyncSession, region_code: str | None) -> dict[str, Any]:
    # The entries of the region and of every region within it, as hub.regions.region_contains says (A4.1); every
    # entry when None.
    return await scope_params(session, EntryScope(region_code=region_code))


# Per live entry: its records (all declared items present = complete), distinct keys, the rows its ingested
# batches accepted and quarantined, and its last successful ingest. One pass over each entry's records.
_MEASURE = text(f"""
SELECT e.entry_id, e.provider_agency_id AS agency_id, e.region_code, e.update_cycle, e.published_at,
       r.records, r.complete_records, r.distinct_keys, b.accepted_rows, b.quarantined_rows, b.last_ingested_at
FROM published_entries e
CROSS JOIN LATERAL (
    SELECT coalesce(array_agg(i.item ->> 'name'), '{{}}') AS names FROM jsonb_array_elements(e.items) AS i(item)
) AS items
CROSS JOIN LATERAL (
    SELECT count(*) AS records,
           count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM unnest(items.names) AS n(name) WHERE btrim(coalesce(rec.data ->> n.name, '')) = ''
           )) AS complete_records,
           count(DISTINCT rec.key) AS distinct_keys
    FROM records rec WHERE rec.entry_id = e.entry_id
) AS r
CROSS JOIN LATERAL (
    SELECT coalesce(sum(bt.stored), 0) AS accepted_rows, coalesce(sum(bt.quarantined), 0) AS quarantined_rows,
           max(bt.finished_at) AS last_ingested_at
    FROM batches bt WHERE bt.entry_id = e.entry_id AND bt.status = 'ingested'
) AS b
WHERE e.retired_at IS NULL
  AND {REGION_IN_SCOPE}
ORDER BY e.entry_id
""")  # noqa: S608 - REGION_IN_SCOPE is a constant; values are bound parameters


async def measure_entries(session: AsyncSession, region_code: str | None) -> Sequence[RowMapping]:
    """The raw counts of every live entry in the region (every region when None)."""
    return (await session.execute(_MEASURE, await _region_params(session, region_code))).mappings().all()


async def latest_stale(session: AsyncSession, entry_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, bool]:
    """Whether each entry's latest snapshot found it stale (entries never measured are absent)."""
    query = text(
        "SELECT DISTINCT ON (entry_id) entry_id, stale FROM quality_snapshots WHERE entry_id = ANY(:ids) "
        "ORDER BY entry_id, taken_at DESC, id DESC"
    )
    rows = (await session.execute(query, {"ids": list(entry_ids)})).all()
    return {row.entry_id: row.stale for row in rows}


async def entry_history(session: AsyncSession, entry_id: uuid.UUID, limit: int) -> Sequence[QualitySnapshot]:
    query = (
        select(QualitySnapshot)
        .where(QualitySnapshot.entry_id == entry_id)
        .order_by(QualitySnapshot.taken_at.desc(), QualitySnapshot.id.desc())
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


async def agency_regions(session: AsyncSession, agency_id: uuid.UUID) -> list[str]:
    """The regions of the agency's live entries."""
    query = text(
        "SELECT DISTINCT region_code FROM published_entries WHERE provider_agency_id = :agency AND retired_at IS NULL"
    )
    return list((await session.execute(query, {"agency": agency_id})).scalars().all())


_LATEST = f"""
SELECT e.entry_id, e.code, e.name, e.provider_agency_id AS agency_id, e.region_code, e.update_cycle,
       s.taken_at, s.completeness, s.validity, s.uniqueness, s.stale, s.score, s.last_ingested_at
FROM published_entries e
LEFT JOIN LATERAL (
    SELECT * FROM quality_snapshots q WHERE q.entry_id = e.entry_id ORDER BY q.taken_at DESC, q.id DESC LIMIT 1
) AS s ON true
WHERE e.retired_at IS NULL
  AND {REGION_IN_SCOPE}
  AND (CAST(:agency AS uuid) IS NULL OR e.provider_agency_id = :agency)
ORDER BY e.code, e.entry_id
"""  # noqa: S608 - as _MEASURE

_DAILY = f"""
SELECT (s.taken_at AT TIME ZONE :tz)::date AS day, avg(s.completeness) AS completeness, avg(s.validity) AS validity,
       avg(s.uniqueness) AS uniqueness, avg(s.score) AS score, count(DISTINCT s.entry_id) AS entries,
       count(DISTINCT s.entry_id) FILTER (WHERE s.stale) AS stale_entries
FROM quality_snapshots s JOIN published_entries e ON e.entry_id = s.entry_id
WHERE {REGION_IN_SCOPE}
  AND (CAST(:agency AS uuid) IS NULL OR s.agency_id = :agency)
GROUP BY day ORDER BY day DESC LIMIT :days
"""  # noqa: S608 - as _MEASURE


async def latest_per_entry(
    session: AsyncSession, *, region_code: str | None, agency_id: uuid.UUID | None
) -> Sequence[RowMapping]:
    """Each live entry of the scope with its latest snapshot's figures (null where never measured)."""
    params = {**await _region_params(session, region_code), "agency": agency_id}
    return (await session.execute(text(_LATEST), params)).mappings().all()


async def daily_history(
    session: AsyncSession, *, region_code: str | None, agency_id: uuid.UUID | None, timezone: str, days: int
) -> Sequence[RowMapping]:
    """Per local day, the averages of the scope's snapshots taken that day, newest day first."""
    params = {**await _region_params(session, region_code), "agency": agency_id, "tz": timezone, "days": days}
    return (await session.execute(text(_DAILY), params)).mappings().all()


async def add_snapshots(session: AsyncSession, snapshots: Sequence[QualitySnapshot]) -> None:
    session.add_all(snapshots)
    await session.flush()
