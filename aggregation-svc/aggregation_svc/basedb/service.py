"""The base databases as such: the five of A18.1, built from the live base entries of the catalogue."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.basedb import repository
from aggregation_svc.basedb.rules import BASE_DATABASES
from aggregation_svc.basedb.schemas import BaseDatabaseOut, BaseEntryOut
from aggregation_svc.entries.scope import EntryScope


async def base_databases(session: AsyncSession, scope: EntryScope) -> list[BaseDatabaseOut]:
    """Each of the five base databases with its entries in the scope, their records and the latest ingest, even
    when empty."""
    grouped: dict[str, list[BaseEntryOut]] = {name: [] for name in BASE_DATABASES}
    for row in await repository.base_entries(session, scope):
        if row["base_database"] in grouped:
            grouped[row["base_database"]].append(BaseEntryOut.model_validate(dict(row)))
    return [
        BaseDatabaseOut(
            name=name,
            label=BASE_DATABASES[name],
            entries=found,
            records=sum(e.records for e in found),
            last_ingested_at=max((e.last_ingested_at for e in found if e.last_ingested_at), default=None),
        )
        for name, found in grouped.items()
    ]
