"""Use cases of delivery: an entry's records, projected, filtered on key items, a page or a stream at a time.

The gateway calls it when it delivers to a grant of the sharing platform or to an open-data user; for now the
entry's responsible agency and the bureau of its region read it directly (A4.1, A15.2, A21.1).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation_svc.delivery import repository, rules
from aggregation_svc.delivery.repository import RecordQuery
from aggregation_svc.delivery.schemas import ChangeOut, RecordHistory, RecordsPage
from aggregation_svc.entries.service import KnownEntry
from aggregation_svc.ingest.rules import canonical_json
from hub.errors import InvalidInput

# Rows fetched per round trip of a stream, and written to the client per chunk.
STREAM_ROWS = 1000


@dataclass(frozen=True)
class Delivery:
    entry: KnownEntry
    items: list[str]
    query: RecordQuery


def plan(
    entry: KnownEntry, items: str | None, params: list[tuple[str, str]], cursor: str | None, limit: int | None
) -> Delivery:
    """What to deliver, from the request's parameters; one InvalidInput naming every parameter at fault."""
    projected, problems = rules.projection(items, entry.items)
    filters, filter_problems = rules.key_filters(params, entry.items)
    after, cursor_problems = rules.decode_cursor(cursor)
    problems += filter_problems + cursor_problems
    if problems:
        raise InvalidInput(f"Invalid value for: {', '.join(p['field'] for p in problems)}", errors=problems)
    query = RecordQuery(
        entry_id=entry.entry_id, consent_required=entry.row.consent_required, filters=filters,
        exact_key=rules.exact_key(filters, entry.items), after=after, limit=limit,
    )  # fmt: skip
    return Delivery(entry, projected, query)


def _project(data: dict[str, object], items: list[str]) -> dict[str, object]:
    return {name: data.get(name) for name in items}


async def page(session: AsyncSession, delivery: Delivery) -> RecordsPage:
    """One page; `next_cursor` is set when more records follow."""
    limit = delivery.query.limit or 100
    rows = await repository.page(session, replace(delivery.query, limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return RecordsPage(
        entry_id=delivery.entry.entry_id, entry_version=delivery.entry.row.version, items=delivery.items,
        records=[_project(data, delivery.items) for _, data in rows],
        next_cursor=rules.encode_cursor(rows[-1][0]) if more else None,
    )  # fmt: skip


async def ndjson(sessionmaker: async_sessionmaker[AsyncSession], delivery: Delivery) -> AsyncIterator[bytes]:
    """Every matching record as one JSON line, read with a server-side cursor in one snapshot: memory stays flat
    however many there are."""
    statement = repository.deliverable(delivery.query).execution_options(yield_per=STREAM_ROWS)
    async with sessionmaker() as session, session.begin():
        result = await session.stream(statement)
        async for partition in result.partitions():
            lines = [canonical_json(_project(data, delivery.items)) for _, data in partition]
            yield ("\n".join(lines) + "\n").encode()


async def history(session: AsyncSession, entry: KnownEntry, params: list[tuple[str, str]], limit: int) -> RecordHistory:
    """One record's current data and its changes, found by every key item (A17.1)."""
    filters, problems = rules.key_filters(params, entry.items)
    key = rules.exact_key(filters, entry.items)
    if not problems and key is None:
        keys = ", ".join(f"key.{i.name}" for i in entry.items if i.key) or "(the entry declares no key item)"
        problems = [{"field": "key", "message": f"name the record by every key item: {keys}"}]
    if problems or key is None:
        raise InvalidInput(f"Invalid value for: {', '.join(p['field'] for p in problems)}", errors=problems)
    current = await repository.record(session, entry.entry_id, key)
    changes = await repository.changes(session, entry.entry_id, key, limit)
    return RecordHistory(
        entry_id=entry.entry_id, key=key, current=current.data if current else None,
        changes=[ChangeOut.model_validate(c) for c in changes],
    )  # fmt: skip
