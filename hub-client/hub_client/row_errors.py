"""The row-level errors of a push, as JSON lines: one per problem of a row, naming the batch, the file's line, the
field and the reason (and the rule of the Measures when the centre names one, e.g. A17.1).

Three kinds are written: rows the centre quarantined (validated against the entry's data items, A17.1; consent,
A16.1), records the client kept back because the centre could not take them without refusing their whole batch,
and a batch the centre refused whole (`line` null, or the line it names).

Errors of a batch are written before the batch is noted as done in the job's state. A job run again keeps the
errors of the batches its state lists and drops any written for a batch that is not listed (it will be pushed
again and its errors written again), so each row's errors appear once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Container, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from hub_client.batches import Batch


def quarantine_errors(batch: Batch, quarantine: Iterable[Mapping[str, Any]]) -> Iterator[dict[str, Any]]:
    """An error line for each problem of each quarantined row of a batch report (`quarantine` of its pages)."""
    for row in quarantine:
        number = int(row["row"])
        for problem in row.get("problems") or [{"field": "row", "reason": "quarantined", "requirement": None}]:
            yield {
                "batch": batch.number, "batch_id": batch.batch_id, "line": batch.line_of(number), "row": number,
                "field": problem.get("field"), "reason": problem.get("reason"),
                "requirement": problem.get("requirement"),
            }  # fmt: skip


def rejected_errors(batch: Batch) -> Iterator[dict[str, Any]]:
    """An error line for each record of a batch the client did not send."""
    for record in batch.rejected:
        yield {
            "batch": batch.number, "batch_id": batch.batch_id, "line": record.line, "row": None, "field": "row",
            "reason": record.problem, "requirement": None,
        }  # fmt: skip


def refusal_errors(batch: Batch, problem: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Error lines for a batch refused whole: one per field the problem names, else one for the batch."""
    named = [e for e in problem.get("errors") or [] if isinstance(e, Mapping)]
    for error in named or [{}]:
        yield {
            "batch": batch.number, "batch_id": batch.batch_id, "line": None, "row": None,
            "field": error.get("field"), "reason": error.get("message") or problem.get("detail"),
            "requirement": error.get("requirement") or problem.get("requirement"),
        }  # fmt: skip


class RowErrors:
    """The errors file of a job. Resuming, it keeps only the errors of the batches in `keep`; else it starts empty."""

    def __init__(self, path: Path, *, keep: Container[int] | None = None) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Lines in the file: those kept from the runs resumed, and those written since.
        self.lines = _keep_batches(path, keep) if keep is not None and path.exists() else 0
        self._file: IO[str] = path.open("a" if keep is not None else "w", encoding="utf-8")

    def write(self, errors: Iterable[Mapping[str, Any]]) -> None:
        """Append error lines, on disk before the batch is noted as done."""
        for error in errors:
            self._file.write(json.dumps(error, ensure_ascii=False) + "\n")
            self.lines += 1
        self._file.flush()
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def _keep_batches(path: Path, keep: Container[int]) -> int:
    """Rewrite the file with the lines of the batches in `keep` only, a line at a time; how many it kept."""
    temporary = path.with_name(path.name + ".tmp")
    kept = 0
    with path.open(encoding="utf-8") as source, temporary.open("w", encoding="utf-8") as target:
        for line in source:
            try:
                batch = json.loads(line).get("batch")
            except (ValueError, AttributeError):
                continue  # a line cut off by a kill
            if batch in keep:
                target.write(line)
                kept += 1
    os.replace(temporary, path)
    return kept
