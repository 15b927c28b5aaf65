"""A catalogue import: the agency's catalogue from a CSV or XLSX file, as a job of the catalogue (A14.1).

`POST /api/catalog/imports` (agency systems only; the file as the body, up to 20 MiB) answers 202 with the job and
`Location`, the job's address at the gateway. The job is polled until it ends: it reports `done` of `total` entries
as it goes, and the rows it refused (`row` is the file's row, the header being row 1; `field`, `message`, the rule's
`requirement`, the entry's `code`; the first 1000, `error_count` counting all). It ends `succeeded` with counts of
entries created, updated, unchanged, submitted and refused, or `failed` with a problem (nothing was imported).

An import is all or nothing per entry, and importing the same file again changes nothing (its entries are
`unchanged`), so a retried upload (after a 503 whose answer was lost) does no harm.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from hub_client.errors import HubRefused, SourceError
from hub_client.gateway import Gateway, describe, problem_of
from hub_client.ingest import NoProgress, Progress
from hub_client.row_errors import RowErrors

IMPORTS = "/api/catalog/imports"
# The gateway's and the catalogue's cap on an import file.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ENDED = frozenset({"succeeded", "failed"})


@dataclass(frozen=True)
class CatalogueImport:
    """The file to import, where its errors go, and whether each imported entry is also sent for review."""

    path: Path
    errors_path: Path
    submit: bool = False
    encoding: str = "utf-8"
    poll_seconds: float = 0.5


@dataclass
class ImportSummary:
    """How an import ended: the job, its result's counts, and its errors."""

    job_id: str
    state: str
    result: dict[str, Any] | None
    error_count: int
    errors_file: str
    error_lines: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def content_type(path: Path, encoding: str) -> str:
    """The upload's media type, from the file's name."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return XLSX_TYPE
    if suffix == ".csv":
        return f"text/csv; charset={encoding}"
    raise SourceError(f"{path.name}: a catalogue is imported from a .csv or .xlsx file.")


def import_errors(errors: list[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """An error line for each row the import refused."""
    for error in errors:
        yield {
            "batch": None, "line": error.get("row"), "field": error.get("field"), "reason": error.get("message"),
            "requirement": error.get("requirement"), "code": error.get("code"),
        }  # fmt: skip


def run_import(
    gateway: Gateway, job: CatalogueImport, progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> ImportSummary:  # fmt: skip
    """Upload the file, follow its job to the end and write its row errors; HubRefused when the upload is refused or
    the job fails (its errors written)."""
    progress = progress or NoProgress()
    kind = content_type(job.path, job.encoding)
    size = job.path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise SourceError(f"{job.path.name} holds {size} bytes; an import holds at most {MAX_UPLOAD_BYTES}: split it.")
    response = gateway.request(
        "POST", IMPORTS, content=job.path.read_bytes(), headers={"content-type": kind},
        params={"submit": "true" if job.submit else "false"},
    )  # fmt: skip
    if response.status_code != 202:
        raise HubRefused(
            f"The import was refused: {describe(response)}", status=response.status_code, problem=problem_of(response)
        )
    polled = _follow(gateway, response.headers["location"], response.json(), job.poll_seconds, progress, sleep)
    errors = RowErrors(job.errors_path)
    try:
        problem = polled.get("problem") or {}
        errors.write(import_errors(polled.get("errors") or problem.get("errors") or []))
    finally:
        errors.close()
        progress.finish()
    if polled["state"] == "failed":
        raise HubRefused(f"The import failed: {problem.get('detail') or problem}", problem=problem)
    return ImportSummary(
        str(polled["id"]), polled["state"], polled.get("result"), int(polled.get("error_count") or 0),
        str(job.errors_path), errors.lines,
    )  # fmt: skip


def _follow(
    gateway: Gateway, location: str, job: dict[str, Any], every: float, progress: Progress,
    sleep: Callable[[float], None],
) -> dict[str, Any]:  # fmt: skip
    """Poll the job at `location` until it ends, showing entries done of its total."""
    started, shown = False, 0
    while True:
        if not started and job.get("total") is not None:
            progress.start(int(job["total"]))
            started = True
        if started and job["done"] > shown:
            progress.advance(job["done"] - shown)
            shown = job["done"]
        if job["state"] in ENDED:
            return job
        sleep(every)
        response = gateway.request("GET", location)
        if response.status_code != 200:
            raise HubRefused(
                f"The import job cannot be read: {describe(response)}",
                status=response.status_code, problem=problem_of(response),
            )  # fmt: skip
        job = response.json()
