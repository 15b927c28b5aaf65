"""What a job has done, kept in a file, so that a job run again resumes where it stopped.

The state file is JSON lines: the job's identity first (entry, mode, the file's SHA-256, the batch size), then one
line per batch the centre has answered, written and synced to disk after that batch's row errors. Run again with
the same identity, a job skips the batches listed. The first batch not listed may have been stored by the centre
without its answer arriving (the job was killed while it waited): it is sent again under the same id, and the
centre answers with the first result, storing nothing twice (A17.1). A last line cut off by a kill is ignored.

A state of another file (or another entry or mode) is not resumed: the job starts over and the state is
rewritten. A state of this same file cut into batches of another size is refused (`ResumeError`): resuming it
would push its records again under other ids.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from hub_client.batches import JobIdentity
from hub_client.errors import ResumeError


@dataclass(frozen=True)
class BatchDone:
    """A batch the centre answered for, with its counts (`rejected`: records the client kept back)."""

    number: int
    batch_id: str
    received: int
    stored: int
    quarantined: int
    rejected: int
    replayed: bool


def _identity_line(identity: JobIdentity) -> dict[str, Any]:
    return {"job": asdict(identity)}


def read_done(path: Path, identity: JobIdentity) -> dict[int, BatchDone] | None:
    """The batches a saved state lists as done, by number; None when there is no state of this job."""
    if not path.exists():
        return None
    with path.open(encoding="utf-8") as file:
        try:
            saved = json.loads(file.readline()).get("job")
        except (ValueError, AttributeError):
            return None
        if not isinstance(saved, dict):
            return None
        mine = asdict(identity)
        same_push = all(saved.get(k) == mine[k] for k in ("entry_id", "mode", "file_sha256"))
        if not same_push:
            return None
        if saved.get("batch_size") != identity.batch_size:
            raise ResumeError(
                f"{path} holds a push of this file in batches of {saved.get('batch_size')} records; resume it with "
                f"--batch-size {saved.get('batch_size')}, or delete {path} to push the file again."
            )
        done: dict[int, BatchDone] = {}
        for line in file:
            try:
                batch = BatchDone(**json.loads(line))
            except (ValueError, TypeError):
                break  # a line cut off by a kill: what follows it was never written
            done[batch.number] = batch
        return done


class ResumeState:
    """The state file of a running job: each answered batch appended and synced to disk."""

    def __init__(self, path: Path, identity: JobIdentity, *, resuming: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if resuming:
            self._rewrite_valid_lines(path, identity)
        self._file: IO[str] = path.open("a" if resuming else "w", encoding="utf-8")
        if not resuming:
            self._append(_identity_line(identity))

    @staticmethod
    def _rewrite_valid_lines(path: Path, identity: JobIdentity) -> None:
        # A cut-off last line would make the next one appended unreadable: keep only the whole lines.
        done = read_done(path, identity) or {}
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as file:
            file.write(json.dumps(_identity_line(identity)) + "\n")
            for batch in done.values():
                file.write(json.dumps(asdict(batch)) + "\n")
        os.replace(temporary, path)

    def _append(self, line: dict[str, Any]) -> None:
        self._file.write(json.dumps(line) + "\n")
        self._file.flush()
        os.fsync(self._file.fileno())

    def record(self, batch: BatchDone) -> None:
        """Note a batch as done (after its row errors are written)."""
        self._append(asdict(batch))

    def close(self) -> None:
        self._file.close()
