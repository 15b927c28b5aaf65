"""Use cases of delivery: an entry's records, projected, filtered on key items, a page or a stream at a time.

The entry's responsible agency and the bureau of its region read it directly (A4.1, A15.2). Any other agency reads
it only under a grant of the sharing platform, checked on every pull against the grants read model: the agency's,
of this entry, live, for the purpose the pull declares, and only its items (A21.1). Every value delivered under a
grant passes through the grant's fingerprint (`_delivered`), so a leaked file names the grant behind it.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from aggregation_svc.delivery import repository, rules
from aggregation_svc.delivery.repository import RecordQuery
from aggregation_svc.delivery.schemas import ChangeOut, RecordHistory, RecordsPage
from aggregation_svc.entries import scope
from aggregation_svc.entries.service import KnownEntry, entry_or_404
from aggregation_svc.fingerprint.marks import mark_record
from aggregation_svc.grants.models import Grant
from aggregation_svc.grants.service import grant_for_delivery
from aggregation_svc.ingest.rules import canonical_json
from hub.contracts.catalog import DataItemSpec
from hub.errors import InvalidInput
from hub.internal_token import Caller
from hub.roles import Role
from hub.span_attributes import tag_ids

# Rows fetched per round trip of a stream, and written to the client per chunk.
STREAM_ROWS = 1000


# The agencies' callers that pull another agency's data under a grant (A21.1).
GRANTEE_ROLES = frozenset({Role.agency_system, Role.agency_officer})


@dataclass(frozen=True)
class Delivery:
    """What one pull delivers: the entry, the items (their specs, in the entry's order), which records, and the
    grant it is made under (None: the entry's own agency or the bureau reading it, unmarked)."""

    entry: KnownEntry
    items: list[str]
    query: RecordQuery
    grant: Grant | None = None

    @property
    def specs(self) -> list[DataItemSpec]:
        """The delivered items' declarations, in the entry's order (what the fingerprint marks by)."""
        wanted = set(self.items)
        return [item for item in self.entry.items if item.name in wanted]

    def audit(self, rows: int) -> dict[str, str]:
        """What the gateway's audit trail records of the delivery (A21.1, A36.1): entry, items, rows, grant; the
        request's span names the grant too (hub.span_attributes)."""
        headers = {"x-hub-audit-entry": str(self.entry.entry_id), "x-hub-audit-items": ",".join(self.items),
                   "x-hub-audit-rows": str(rows)}  # fmt: skip
        if self.grant is not None:
            headers["x-hub-audit-grant"] = str(self.grant.grant_id)
            tag_ids({"grant_id": self.grant.grant_id})
        return headers


@dataclass(frozen=True)
class Pull:
    """A request for an entry's records, as the router read it."""

    caller: Caller
    entry_id: uuid.UUID
    items: str | None
    params: list[tuple[str, str]]
    cursor: str | None
    limit: int | None
    grant_id: uuid.UUID | None
    purpose: str | None
    now: datetime


async def delivery_of(session: AsyncSession, pull: Pull) -> Delivery:
    """What a pull delivers: the entry (404 unknown), who may read it and under which grant, the items and records
    asked for (see `grant_of_pull`, `plan`)."""
    entry = await entry_or_404(session, pull.entry_id)
    grant = await grant_of_pull(session, pull, entry)
    return plan(entry, pull.items, pull.params, pull.cursor, pull.limit, grant)


async def grant_of_pull(session: AsyncSession, pull: Pull, entry: KnownEntry) -> Grant | None:
    """The grant a pull of the entry's records is made under, None for a caller who reads the entry directly (its
    responsible agency, the bureau of its region: `scope.may_see_entry`). Another agency's system or officer must
    pull under a grant (A21.1); anyone else is refused as `scope.require_reader` says (A4.1, A21.1)."""
    caller, row = pull.caller, entry.row
    if scope.may_see_entry(caller, row.region_code, row.provider_agency_id):
        return None
    if scope.is_operator(caller) or caller.agency_id is None or not GRANTEE_ROLES.intersection(caller.roles):
        scope.require_reader(caller, row)  # refuses: the caller may not see the entry
    agency_id = uuid.UUID(str(caller.agency_id))
    requested = rules.requested_items(pull.items)
    return await grant_for_delivery(
        session, agency_id, entry.entry_id, row.code, pull.grant_id, pull.purpose, requested, pull.now
    )


def plan(
    entry: KnownEntry, items: str | None, params: list[tuple[str, str]], cursor: str | None, limit: int | None,
    grant: Grant | None = None,
) -> Delivery:  # fmt: skip
    """What to deliver, from the request's parameters; one InvalidInput naming every parameter at fault. Under a
    grant, the items asked for (all the grant's by default) that the entry still declares (A21.1)."""
    if grant is None:
        projected, problems = rules.projection(items, entry.items)
    else:
        projected, problems = rules.granted_projection(items, entry.items, grant.items or [])
    filters, filter_problems = rules.key_filters(params, entry.items)
    if grant is not None:
        filter_problems += rules.ungranted_filters(filters, grant.items or [])
    after, cursor_problems = rules.decode_cursor(cursor, _sealing(grant))
    problems += filter_problems + cursor_problems
    if problems:
        raise InvalidInput(f"Invalid value for: {', '.join(p['field'] for p in problems)}", errors=problems)
    query = RecordQuery(
        entry_id=entry.entry_id, consent_required=entry.row.consent_required, filters=filters,
        exact_key=rules.exact_key(filters, entry.items), after=after, limit=limit,
    )  # fmt: skip
    return Delivery(entry, projected, query, grant)


def _sealing(grant: Grant | None) -> bytes | None:
    """The secret a grant's cursors are sealed with: its fingerprint key (the cipher derives its own key from it)."""
    return None if grant is None else grant.fingerprint_key


def _delivered(data: dict[str, Any], delivery: Delivery, specs: list[DataItemSpec]) -> dict[str, Any]:
    """One record as delivered: projected to the items, and under a grant marked with its fingerprint (A21.1)."""
    projected = {name: data.get(name) for name in delivery.items}
    if delivery.grant is None:
        return projected
    return mark_record(projected, specs, delivery.grant.fingerprint_key)


async def page(session: AsyncSession, delivery: Delivery) -> RecordsPage:
    """One page; `next_cursor` is set when more records follow."""
    limit = delivery.query.limit or 100
    rows = await repository.page(session, replace(delivery.query, limit=limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    specs = delivery.specs
    return RecordsPage(
        entry_id=delivery.entry.entry_id, entry_version=delivery.entry.row.version, items=delivery.items,
        records=[_delivered(data, delivery, specs) for _, data in rows],
        next_cursor=rules.encode_cursor(rows[-1][0], _sealing(delivery.grant)) if more else None,
    )  # fmt: skip


@dataclass(frozen=True)
class Stream:
    """An NDJSON stream of every matching record, read in one snapshot whose count is known before the first line
    (the audit records it, A21.1). `close` ends the snapshot: call it once the response is over, sent or not."""

    delivery: Delivery
    rows: int
    lines: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]


async def open_stream(sessionmaker: async_sessionmaker[AsyncSession], pull: Pull) -> Stream:
    """Check the pull, count the matching records and open the stream of them, all in one REPEATABLE READ
    snapshot of its own session (the request's session stays unused: one connection per stream): the lines are
    exactly the records counted, read with a server-side cursor so memory stays flat however many there are."""
    resources = AsyncExitStack()
    session = await resources.enter_async_context(sessionmaker())
    try:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        delivery = await delivery_of(session, pull)
        rows = await repository.count(session, delivery.query)
    except BaseException:
        await resources.aclose()
        raise
    lines = _ndjson(session, delivery)

    async def close() -> None:
        try:
            await lines.aclose()
        finally:
            await resources.aclose()

    return Stream(delivery, rows, lines, close)


async def _ndjson(session: AsyncSession, delivery: Delivery) -> AsyncGenerator[bytes]:
    statement = repository.deliverable(delivery.query).execution_options(yield_per=STREAM_ROWS)
    specs = delivery.specs
    result = await session.stream(statement)
    try:
        async for partition in result.partitions():
            lines = [canonical_json(_delivered(data, delivery, specs)) for _, data in partition]
            yield ("\n".join(lines) + "\n").encode()
    finally:
        await result.close()


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
