"""Every query of the base databases view."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.scope import IN_SCOPE, EntryScope, scope_params

# Live base entries of the scope with their record counts and latest successful ingest (freshness).
_BASE_ENTRIES = text(f"""
SELECT e.base_database, e.entry_id, e.code, e.name, e.provider_agency_id AS agency_id, e.region_code,
       e.update_cycle, r.records, b.last_ingested_at
FROM published_entries e
CROSS JOIN LATERAL (SELECT count(*) AS records FROM records rec WHERE rec.entry_id = e.entry_id) AS r
CROSS JOIN LATERAL (
    SELECT max(bt.finished_at) AS last_ingested_at FROM batches bt
    WHERE bt.entry_id = e.entry_id AND bt.status = 'ingested'
) AS b
WHERE e.retired_at IS NULL AND e.category = 'base' AND e.base_database IS NOT NULL AND {IN_SCOPE}
ORDER BY e.base_database, e.code, e.entry_id
""")  # noqa: S608 - IN_SCOPE is a constant; values are bound parameters


async def base_entries(session: AsyncSession, scope: EntryScope) -> Sequence[RowMapping]:
    return (await session.execute(_BASE_ENTRIES, await scope_params(session, scope))).mappings().all()
