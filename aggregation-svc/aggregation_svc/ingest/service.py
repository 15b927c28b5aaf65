"""Use cases of ingest: a batch validated and stored, once, whatever the channel (A15.1, A15.2, A16.1, A17.1).

What a push means. A record is found by its entry's key items (A17.1), and a push says how its rows change the
records they find, in one mode for the whole batch:

- `replace` (the default, and the ingest topic's only mode): a row is the whole record. An item it does not
  carry, or carries blank (null, an empty CSV cell), has no value afterwards; a key or required item it lacks
  quarantines the row; a CSV header without a column for a key or required item refuses the batch.
- `merge` (`?mode=merge`): a row updates the record its key names. An item it names (a CSV column of the
  header, a field of a JSON record) is set, or cleared when blank; an item it does not name keeps its stored
  value. A row for a key not stored yet makes a new record, which must hold every required item, else it is
  quarantined naming the missing ones. A CSV header needs every key item. An entry without key items identifies
  each record by its whole content: it has nothing to merge into, and refuses merge.

In both modes a row names its consent (A16.1) itself: the consent reference is not an item that a merge keeps.
Every change is a new version in the record's history, whichever mode made it.

A batch is one transaction. It holds its entry (which may not change meanwhile), claims its row (a retried or
concurrent id waits, then replays), then takes the entry's write lock; its rows are read as they arrive and
checked by the rules a chunk at a time, ahead of the writes, so that checking the next chunk overlaps writing
this one; valid rows are stored by key (new ones inserted, stored ones updated) with their history, invalid
ones quarantined; its counts and events are written last. A batch that stops half-way (the
pusher goes away, the service is killed, the database goes away) commits nothing, and its retry does it all once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.changelog import service as changelog
from aggregation_svc.entries import scope
from aggregation_svc.entries import service as entries
from aggregation_svc.entries.service import KnownEntry
from aggregation_svc.ingest import repository
from aggregation_svc.ingest.formats import Body, Format, HeaderCheck, Row, listed_rows
from aggregation_svc.ingest.models import Batch
from aggregation_svc.ingest.repository import Rejected
from aggregation_svc.ingest.rules import (
    CONSENT_FIELD,
    RecordRules,
    canonical_json,
    compact_json,
    consent_id_of,
    consent_violations,
    header_violations,
    undeclared_items,
)
from aggregation_svc.ingest.schemas import BatchReport, IngestMode, QuarantinedRowOut, RowProblem
from aggregation_svc.ingest.writes import Accepted, Partial, merged_rows, planned_writes
from hub.contracts.aggregation import (
    BatchIngested,
    BatchRefused,
    BatchSubmitted,
    QuarantineCount,
    RowsQuarantined,
)
from hub.errors import Forbidden, InvalidInput, NotFound, Problem
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.streams import read_ahead
from hub.violations import Violation, refuse_if_any

log = structlog.get_logger(__name__)

SOURCE = "/hub/aggregation"
# Rows validated and written together: enough to amortise a chunk's statements, few enough to keep memory flat.
CHUNK_ROWS = 5000
# Chunks checked ahead of the one being written.
READ_AHEAD = 2
# The largest problem summary an event carries.
SUMMARY_LIMIT = 50
# The longest name of who submitted a batch (batches.submitted_by).
SUBMITTER_CHARS = 200


@dataclass(frozen=True)
class Pusher:
    """Who pushes a batch: an agency, and the system or ingest job acting for it."""

    agency_id: uuid.UUID
    subject: str


@dataclass(frozen=True)
class Incoming:
    """A batch's content as it arrives: its rows (read once), and the digest of what was read."""

    format: str
    from_text: bool
    rows: Callable[[HeaderCheck], AsyncIterator[list[Row]]]
    drain: Callable[[], Awaitable[None]]
    digest: Callable[[], str]


def http_incoming(body: Body, batch_format: Format) -> Incoming:
    """A request body in one of the bulk formats."""
    return Incoming(
        format=batch_format.name,
        from_text=batch_format.from_text,
        rows=lambda on_header: batch_format.rows(body.chunks(), on_header),
        drain=body.drain,
        digest=lambda: body.digest,
    )


def listed_incoming(records: Sequence[dict[str, object]]) -> Incoming:
    """Records of a message on the ingest topic; the digest is that of their canonical JSON."""
    digest = hashlib.sha256(canonical_json(records).encode()).hexdigest()

    async def drain() -> None:
        return None

    return Incoming(
        format="kafka", from_text=False, rows=lambda _: listed_rows(records), drain=drain, digest=lambda: digest
    )


@dataclass(frozen=True)
class IngestOutcome:
    batch: Batch
    replayed: bool
    same_content: bool = True


@dataclass
class _Tally:
    received: int = 0
    stored: int = 0
    inserted: int = 0
    updated: int = 0
    quarantined: int = 0
    problems: Counter[tuple[str, str]] = field(default_factory=Counter)


def _clean(text: str) -> str:
    return text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")


@dataclass
class _Checked:
    """A chunk of rows checked against the entry's items; those that reference a consent still await its check,
    and rows of a merge push that do not name every item still await the records they merge into."""

    accepted: list[Accepted] = field(default_factory=list)
    awaiting_consent: list[tuple[Row, dict[str, Any], list[Violation], Any]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    partial: dict[int, tuple[Row, Partial]] = field(default_factory=dict)


def _reject(checked: _Checked, row: Row, found: list[Violation], tally: _Tally) -> None:
    problems = [{"field": v.field, "reason": v.message, "requirement": v.requirement} for v in found]
    checked.rejected.append(Rejected(row.number, json.dumps(problems, ensure_ascii=False), _clean(row.raw)))
    tally.problems.update((v.field, v.requirement) for v in found)


def _check_piece(
    piece: list[Row], rules: RecordRules, entry: KnownEntry, batch_id: str, tally: _Tally, checked: _Checked
) -> None:
    """Check each row against the entry's items (A15.1, A17.1); a row with an undeclared item refuses the batch."""
    consent_required = entry.row.consent_required
    readable: list[Row] = []
    records: list[dict[str, Any]] = []
    for row in piece:
        tally.received += 1
        values = row.values
        if values is None:
            _reject(checked, row, [Violation("row", row.problem or "not a record", "A17.1")], tally)
            continue
        undeclared = rules.undeclared(values)
        if undeclared:
            refuse_if_any(
                [Violation(v.field, f"row {row.number}: {v.message}", v.requirement) for v in undeclared],
                f"Row {row.number} carries items entry {entry.row.code} does not declare: nothing of batch "
                f"{batch_id} is stored.",
            )
        readable.append(row)
        records.append(values)
    for row, values, (data, found) in zip(readable, records, rules.validate_all(records), strict=True):
        if rules.merge and not found and not rules.carries_every_item(values):
            checked.partial[row.number] = (row, Partial(data, rules.sent_items(values)))
        consent = values.get(CONSENT_FIELD)
        if consent is not None or consent_required:
            checked.awaiting_consent.append((row, data, found, consent))
        elif found:
            _reject(checked, row, found, tally)
        else:
            checked.accepted.append(Accepted(row.number, rules.key(data), compact_json(data), None))


async def _checked_chunks(
    pieces: AsyncIterator[list[Row]], rules: RecordRules, entry: KnownEntry, batch_id: str, tally: _Tally
) -> AsyncIterator[_Checked]:
    """The rows checked a piece at a time as they are read, in chunks of at least CHUNK_ROWS rows (the last one
    smaller)."""
    checked, rows = _Checked(), 0
    async for piece in pieces:
        _check_piece(piece, rules, entry, batch_id, tally, checked)
        rows += len(piece)
        if rows >= CHUNK_ROWS:
            yield checked
            checked, rows = _Checked(), 0
        else:
            # Reading a body that has arrived does not wait, so checking would hold the event loop for a whole
            # chunk; yielding after each piece lets the writer go on as soon as its database call returns.
            await asyncio.sleep(0)
    if rows:
        yield checked


def _refuse_merge_without_keys(entry: KnownEntry) -> None:
    if not any(item.key for item in entry.items):
        raise InvalidInput(
            f"Entry {entry.row.code} declares no key item: each record is identified by its whole content, so a "
            "row has no stored record to merge into. Push it whole (mode=replace).",
            errors=[{"field": "mode", "message": "merge needs an entry with key items", "requirement": "A17.1"}],
        )


async def ingest_batch(
    session: AsyncSession,
    entry: KnownEntry,
    pusher: Pusher,
    batch_id: str,
    channel: str,
    incoming: Incoming,
    mode: IngestMode = "replace",
) -> IngestOutcome:
    """Validate and store a batch once (A17.1), replacing or merging records (see the module's docstring); the
    caller has checked the entry accepts data from the pusher."""
    merge = mode == "merge"
    if merge:
        _refuse_merge_without_keys(entry)
    now = await repository.transaction_time(session)
    claimed = await repository.claim_batch(
        session,
        {
            "entry_id": entry.entry_id, "batch_id": batch_id, "agency_id": pusher.agency_id,
            "submitted_by": pusher.subject, "channel": channel, "format": incoming.format, "mode": mode,
            "status": "ingesting", "entry_version": entry.row.version, "received": 0, "stored": 0, "inserted": 0,
            "updated": 0, "quarantined": 0, "content_sha256": None, "refusal": None, "started_at": now,
            "finished_at": None,
        },
    )  # fmt: skip
    batch = await repository.batch(session, entry.entry_id, batch_id)
    assert batch is not None
    if not claimed:
        await incoming.drain()
        same = batch.content_sha256 == incoming.digest() and batch.mode == mode
        return IngestOutcome(batch, replayed=True, same_content=same)
    # After the claim: a retry of a batch done already answers at once, not after other batches of the entry.
    await repository.lock_entry_records(session, entry.entry_id)

    def check_header(columns: Sequence[str]) -> None:
        refuse_if_any(
            undeclared_items(columns, entry.items),
            f"The CSV header names items entry {entry.row.code} does not declare: nothing of batch {batch_id} is "
            "stored.",
        )
        refuse_if_any(
            header_violations(columns, entry.items, merge=merge),
            f"The CSV header lacks items every row of a {mode} push needs: nothing of batch {batch_id} is "
            "stored." + ("" if merge else " To update some items of stored records, push with mode=merge."),
        )

    tally = _Tally()
    rules = RecordRules(entry.items, from_text=incoming.from_text, merge=merge)
    checked = _checked_chunks(incoming.rows(check_header), rules, entry, batch_id, tally)
    async with aclosing(read_ahead(checked, READ_AHEAD)) as chunks:
        async for chunk in chunks:
            await _store_chunk(session, entry, pusher, batch_id, chunk, rules, tally)
    batch.status, batch.finished_at = "ingested", await repository.clock_time(session)
    batch.received, batch.stored, batch.quarantined = tally.received, tally.stored, tally.quarantined
    batch.inserted, batch.updated, batch.content_sha256 = tally.inserted, tally.updated, incoming.digest()
    await session.flush()
    await _record_outcome_events(session, entry, batch, tally)
    return IngestOutcome(batch, replayed=False)


async def _store_chunk(
    session: AsyncSession,
    entry: KnownEntry,
    pusher: Pusher,
    batch_id: str,
    checked: _Checked,
    rules: RecordRules,
    tally: _Tally,
) -> None:
    accepted = checked.accepted
    if checked.awaiting_consent:
        # Consents are read here, not where rows are checked: the session is this writer's alone. They must hold
        # when the rows are stored, not when the batch began.
        references = {c for _, _, _, value in checked.awaiting_consent if (c := consent_id_of(value))}
        valid: set[uuid.UUID] = set()
        if references:
            at = await repository.clock_time(session)
            valid = await repository.valid_consents(
                session, references, entry.entry_id, entry.row.provider_agency_id, at
            )
        for row, data, found, value in checked.awaiting_consent:
            found = found + consent_violations(value, entry.row.consent_required, valid)
            if found:
                _reject(checked, row, found, tally)
            else:
                accepted.append(Accepted(row.number, rules.key(data), compact_json(data), consent_id_of(value)))
        accepted.sort(key=lambda row: row.row_number)
    if checked.partial:
        accepted = await _merged(session, entry, checked, accepted, rules, tally)
    writes = planned_writes(
        accepted, await repository.stored_versions(session, entry.entry_id, {a.key for a in accepted})
    )
    await repository.insert_records(session, entry.entry_id, batch_id, pusher.agency_id, writes.inserts)
    await repository.update_records(session, entry.entry_id, batch_id, pusher.agency_id, writes.updates)
    await repository.log_changes(session, entry.entry_id, batch_id, pusher.agency_id, writes.history)
    await repository.quarantine(session, entry.entry_id, batch_id, checked.rejected)
    await changelog.note_stored_records(session, entry.row, writes)
    tally.inserted += writes.inserted
    tally.updated += writes.updated
    tally.stored += len(accepted)
    tally.quarantined += len(checked.rejected)


async def _merged(
    session: AsyncSession, entry: KnownEntry, checked: _Checked, accepted: list[Accepted], rules: RecordRules,
    tally: _Tally,
) -> list[Accepted]:  # fmt: skip
    """The accepted rows of a merge push with the stored items they keep; a new record lacking a required item is
    quarantined naming it (A17.1)."""
    partial = {number: part for number, (_, part) in checked.partial.items()}
    keys = {row.key for row in accepted if row.row_number in partial}
    stored = await repository.stored_data(session, entry.entry_id, keys)
    merged, incomplete = merged_rows(accepted, partial, stored, rules.required)
    reason = "required: the row makes a new record, which needs every required item"
    for number, missing in incomplete:
        _reject(checked, checked.partial[number][0], [Violation(name, reason, "A17.1") for name in missing], tally)
    return merged


async def _record_outcome_events(session: AsyncSession, entry: KnownEntry, batch: Batch, tally: _Tally) -> None:
    assert batch.finished_at is not None
    await record_event(
        session,
        BatchIngested(
            entry_id=entry.entry_id, entry_version=entry.row.version, batch_id=batch.batch_id,
            agency_id=batch.agency_id, channel=batch.channel, received=batch.received, stored=batch.stored,
            inserted=batch.inserted, updated=batch.updated, quarantined=batch.quarantined,
            ingested_at=batch.finished_at,
        ),
        source=SOURCE,
    )  # fmt: skip
    if tally.quarantined:
        summary = [
            QuarantineCount(field=name, requirement=requirement, rows=rows)
            for (name, requirement), rows in tally.problems.most_common(SUMMARY_LIMIT)
        ]
        await record_event(
            session,
            RowsQuarantined(entry_id=entry.entry_id, batch_id=batch.batch_id, agency_id=batch.agency_id,
                            quarantined=batch.quarantined, by_problem=summary),
            source=SOURCE,
        )  # fmt: skip


async def ingest_submitted(session: AsyncSession, event: BatchSubmitted) -> None:
    """A batch from the ingest topic: the same checks, validation and idempotency as the bulk API (A17.1).

    Nothing answers the job, so a batch refused whole is recorded as refused (with the problem) and announced;
    it had no effect, so the job may submit it again under the same id once the cause is fixed.
    """
    pusher = Pusher(agency_id=event.agency_id, subject=_clean(f"ingest-job:{event.job}")[:SUBMITTER_CHARS])
    try:
        async with session.begin_nested():
            entry = await entries.accepting_entry(session, event.entry_id)
            if entry.row.provider_agency_id != event.agency_id:
                raise Forbidden(
                    f"Only the responsible agency of entry {entry.row.code} may push its data.", requirement="A15.2"
                )
            incoming = listed_incoming(event.records)
            outcome = await ingest_batch(session, entry, pusher, event.batch_id, "kafka", incoming)
    except Problem as problem:
        now = datetime.now(UTC)
        await repository.record_refusal(
            session,
            {
                "entry_id": event.entry_id, "batch_id": event.batch_id, "agency_id": event.agency_id,
                "submitted_by": pusher.subject, "channel": "kafka", "format": "kafka", "mode": "replace",
                "status": "refused", "entry_version": None, "received": len(event.records), "stored": 0,
                "inserted": 0, "updated": 0, "quarantined": 0, "content_sha256": None, "refusal": problem.body(),
                "started_at": now, "finished_at": now,
            },
        )  # fmt: skip
        await record_event(
            session,
            BatchRefused(entry_id=event.entry_id, batch_id=event.batch_id, agency_id=event.agency_id,
                         requirement=problem.requirement, detail=problem.detail),
            source=SOURCE,
        )  # fmt: skip
        log.info("ingest batch refused", entry_id=str(event.entry_id), batch_id=event.batch_id, detail=problem.detail)
        return
    if outcome.replayed and not outcome.same_content:
        log.warning("ingest batch id reused for other content; ignored", batch_id=event.batch_id)


async def readable_batch(session: AsyncSession, caller: Caller, entry_id: uuid.UUID, batch_id: str) -> Batch:
    """A batch's report is for the agency that pushed it (A15.2) and the bureau of the entry's region (A4.1).

    Who may not read it learns nothing of it, not even whether it exists: an operator is refused for an entry
    outside its region, an agency for a batch it did not push of an entry it does not answer for. (Which entries
    exist is no secret: the catalogue publishes them.)
    """
    if scope.is_operator(caller):
        entry = await entries.entry_or_404(session, entry_id)
        if not scope.is_operator_of(caller, entry.row.region_code):
            raise Forbidden(f"Entry {entry_id} is outside region {caller.region_code}.", requirement="A4.1")
        return await _batch_or_404(session, entry_id, batch_id)
    if not scope.AGENCY_CLIENTS.intersection(caller.roles) or caller.agency_id is None:
        raise Forbidden("A batch's report is for the agency that pushed it.", requirement="A15.2")
    batch = await repository.batch(session, entry_id, batch_id)
    if batch is not None and caller.agency_id == str(batch.agency_id):
        return batch
    if batch is None:
        known = await entries.known_entry(session, entry_id)
        if known is None or scope.is_responsible_agency(caller, known.row.provider_agency_id):
            raise NotFound(f"No batch {batch_id} of entry {entry_id}.")
    raise Forbidden("A batch's report is for the agency that pushed it.", requirement="A15.2")


async def _batch_or_404(session: AsyncSession, entry_id: uuid.UUID, batch_id: str) -> Batch:
    batch = await repository.batch(session, entry_id, batch_id)
    if batch is None:
        raise NotFound(f"No batch {batch_id} of entry {entry_id}.")
    return batch


async def report(
    session: AsyncSession, batch: Batch, *, replayed: bool = False, after: int = 0, limit: int = 100
) -> BatchReport:
    """The batch's counts and a page of its quarantined rows."""
    rows = list(await repository.quarantined_rows(session, batch.entry_id, batch.batch_id, after, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    quarantine = [
        QuarantinedRowOut(row=r.row_number, problems=[RowProblem.model_validate(p) for p in r.problems], raw=r.raw)
        for r in rows
    ]
    return BatchReport(
        entry_id=batch.entry_id, batch_id=batch.batch_id, agency_id=batch.agency_id, submitted_by=batch.submitted_by,
        channel=batch.channel, format=batch.format, mode=batch.mode, status=batch.status,
        entry_version=batch.entry_version, received=batch.received, stored=batch.stored, inserted=batch.inserted,
        updated=batch.updated, quarantined=batch.quarantined, content_sha256=batch.content_sha256,
        started_at=batch.started_at, finished_at=batch.finished_at, quarantine_purged_at=batch.quarantine_purged_at,
        refusal=batch.refusal,
        replayed=replayed, quarantine=quarantine, next_quarantine_after=rows[-1].row_number if more else None,
    )  # fmt: skip
