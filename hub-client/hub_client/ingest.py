"""An ingest job: a file pushed to one entry of the big data centre in batches, through the gateway (A12.1, A17.1).

`POST /api/aggregation/entries/{entry_id}/batches/{batch_id}` takes a batch of records (NDJSON, or CSV under its
header) for a published entry of the caller's agency (A15.1, A15.2). The centre validates every row against the
entry's data items, stores the valid ones by key and quarantines the others with their reasons; it answers 201 with
the batch's report, or 200 with the first report when the batch id was seen before (`replayed`), and refuses a
batch whole (4xx problem+json, nothing stored) for a header lacking a required item, an undeclared item, an entry
not published or not the agency's. A report carries its first quarantined rows; the rest are read from
`GET …/batches/{batch_id}?after=N`.

The job reads the file once, a batch at a time (`hub_client.batches`; the next batch is read while one is pushed),
skips the batches its saved state lists (`hub_client.resume`), pushes the others in order, one after another,
writes each batch's row errors (`hub_client.row_errors`) and then notes the batch as done. A batch refused whole
stops the job (`HubRefused`), its errors written: the batches after it would most likely be refused for the same
cause, and the job resumes at it once the cause is fixed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

from hub_client.batches import Batch, JobIdentity, batches, file_facts, read_ahead
from hub_client.errors import HubRefused
from hub_client.gateway import Gateway, describe, problem_of
from hub_client.readers import open_source
from hub_client.resume import BatchDone, ResumeState, read_done
from hub_client.row_errors import RowErrors, quarantine_errors, refusal_errors, rejected_errors

DEFAULT_BATCH_SIZE = 50_000
# Quarantined rows read a page at a time (the centre's largest page).
QUARANTINE_PAGE = 1000


class Progress(Protocol):
    """Where a job shows how far it is: records done of (an estimate of) the file's, and notices."""

    def start(self, total: int | None) -> None: ...

    def advance(self, records: int) -> None: ...

    def note(self, message: str) -> None: ...

    def finish(self) -> None: ...


class NoProgress:
    """A job shown nowhere."""

    def start(self, total: int | None) -> None:
        return None

    def advance(self, records: int) -> None:
        return None

    def note(self, message: str) -> None:
        return None

    def finish(self) -> None:
        return None


@dataclass(frozen=True)
class IngestJob:
    """What to push where, how, and where to keep the job's errors and state."""

    entry_id: str
    path: Path
    errors_path: Path
    state_path: Path
    mode: str = "replace"
    batch_size: int = DEFAULT_BATCH_SIZE
    encoding: str = "utf-8-sig"
    sheet: str | None = None


@dataclass
class IngestSummary:
    """What a job did, this run and the runs it resumed: batches, and the file's records by outcome."""

    entry_id: str
    file: str
    errors_file: str
    batches: int = 0
    sent: int = 0  # batches pushed in this run
    replayed: int = 0  # of those, batches the centre had stored already
    resumed: int = 0  # batches an earlier run had done
    received: int = 0
    stored: int = 0
    quarantined: int = 0
    rejected: int = 0  # records the client kept back
    error_lines: int = 0  # lines in the errors file

    def count(self, done: BatchDone) -> None:
        self.batches += 1
        self.received += done.received
        self.stored += done.stored
        self.quarantined += done.quarantined
        self.rejected += done.rejected

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def batch_path(entry_id: str, batch_id: str) -> str:
    return f"/api/aggregation/entries/{entry_id}/batches/{batch_id}"


def push_batch(
    gateway: Gateway, entry_id: str, mode: str, content_type: str, batch: Batch,
    write_errors: Callable[[Iterable[Mapping[str, Any]]], None],
) -> BatchDone:  # fmt: skip
    """Push one batch, write its row errors (every page of its quarantine), and say what became of it.

    HubRefused, after writing the refusal as errors, when the centre refuses the batch whole.
    """
    write_errors(rejected_errors(batch))
    if not batch.lines:  # every record kept back: nothing to send
        return BatchDone(batch.number, batch.batch_id, 0, 0, 0, len(batch.rejected), replayed=False)
    path = batch_path(entry_id, batch.batch_id)
    headers = {"content-type": content_type, "content-length": str(batch.size)}
    response = gateway.request("POST", path, content=batch.pieces, headers=headers, params={"mode": mode})
    if response.status_code not in (200, 201):
        problem = problem_of(response)
        write_errors(refusal_errors(batch, problem))
        first, last = batch.lines[0], batch.lines[-1]
        raise HubRefused(
            f"Batch {batch.number} (lines {first}–{last}) was refused: {describe(response)}",
            status=response.status_code, problem=problem,
        )  # fmt: skip
    report: dict[str, Any] = response.json()
    seen = _write_quarantine(gateway, path, batch, report, write_errors)
    if seen < report["quarantined"] and report.get("quarantine_purged_at"):
        # A batch replayed after the centre's retention of quarantined rows ended (A38.1).
        purged = {"field": "row", "message": f"{report['quarantined'] - seen} quarantined row(s) no longer kept "
                  f"by the centre (purged at {report['quarantine_purged_at']})"}  # fmt: skip
        write_errors(refusal_errors(batch, {"errors": [purged]}))
    return BatchDone(
        batch.number, batch.batch_id, report["received"], report["stored"], report["quarantined"],
        len(batch.rejected), replayed=response.status_code == 200,
    )  # fmt: skip


def _write_quarantine(
    gateway: Gateway, path: str, batch: Batch, report: Mapping[str, Any],
    write_errors: Callable[[Iterable[Mapping[str, Any]]], None],
) -> int:  # fmt: skip
    """Write the report's quarantined rows and those of its further pages; how many rows were written."""
    page: Mapping[str, Any] = report
    seen = 0
    while True:
        rows = page.get("quarantine") or []
        write_errors(quarantine_errors(batch, rows))
        seen += len(rows)
        after = page.get("next_quarantine_after")
        if after is None:
            return seen
        response = gateway.request("GET", path, params={"after": after, "limit": QUARANTINE_PAGE})
        if response.status_code != 200:
            raise HubRefused(
                f"The quarantine of batch {batch.number} cannot be read: {describe(response)}",
                status=response.status_code, problem=problem_of(response),
            )  # fmt: skip
        page = response.json()


def estimated_records(text_line_breaks: int, header: bool, sheet_rows: int | None) -> int:
    """About how many records a file holds: a sheet's declared rows, or a text file's lines less its header."""
    if sheet_rows is not None:
        return sheet_rows
    return max(0, text_line_breaks - (1 if header else 0))


def run_ingest(gateway: Gateway, job: IngestJob, progress: Progress | None = None) -> IngestSummary:
    """Push the file to the entry, resuming a job that stopped (see the module's docstring)."""
    progress = progress or NoProgress()
    facts = file_facts(job.path)
    identity = JobIdentity(job.entry_id, job.mode, facts.sha256, job.batch_size)
    done = read_done(job.state_path, identity)
    summary = IngestSummary(job.entry_id, str(job.path), str(job.errors_path))
    errors = RowErrors(job.errors_path, keep=set(done) if done is not None else None)
    state = ResumeState(job.state_path, identity, resuming=done is not None)
    try:
        with open_source(job.path, encoding=job.encoding, sheet=job.sheet) as source:
            progress.start(estimated_records(facts.line_breaks, bool(source.header), source.estimated_records))
            with read_ahead(batches(source, identity)) as ahead:
                for batch in ahead:
                    previous = (done or {}).get(batch.number)
                    if previous is not None:
                        summary.resumed += 1
                        summary.count(previous)
                    else:
                        outcome = push_batch(gateway, job.entry_id, job.mode, source.content_type, batch, errors.write)
                        state.record(outcome)
                        summary.sent += 1
                        summary.replayed += outcome.replayed
                        summary.count(outcome)
                    progress.advance(batch.records)
    finally:
        summary.error_lines = errors.lines
        errors.close()
        state.close()
        progress.finish()
    return summary
