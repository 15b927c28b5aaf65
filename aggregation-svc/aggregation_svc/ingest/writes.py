"""How a chunk of valid rows changes the store (A17.1), decided without the database: which records are inserted,
which updated, and the history entry of each change."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple


# Accepted and Change are made for every row of a batch: named tuples are several times cheaper to make than
# frozen dataclasses.
class Accepted(NamedTuple):
    """A valid row, ready to store."""

    row_number: int
    key: str
    data: str  # its stored values, as JSON
    consent_id: uuid.UUID | None


class Change(NamedTuple):
    """One change of a record by a row of the batch: its history entry (A17.1)."""

    row: Accepted
    operation: str  # inserted | updated
    version: int


@dataclass
class ChunkWrites:
    """The writes of a chunk: each changed record once, in its last state and version, and every change."""

    inserts: list[Change] = field(default_factory=list)
    updates: list[Change] = field(default_factory=list)
    history: list[Change] = field(default_factory=list)

    @property
    def inserted(self) -> int:
        return sum(1 for change in self.history if change.operation == "inserted")

    @property
    def updated(self) -> int:
        return len(self.history) - self.inserted


def planned_writes(rows: Sequence[Accepted], stored: Mapping[str, int]) -> ChunkWrites:
    """The chunk's writes, rows taken in the order they were pushed (A17.1).

    `stored` holds the version of each of the rows' keys already in the store. A key not stored yet is inserted
    at version 1; a stored one is updated to the next version. A key pushed twice in the chunk changes twice:
    both changes are in the history, with their versions, and the record keeps the last.
    """
    versions = dict(stored)
    last: dict[str, Change] = {}
    writes = ChunkWrites()
    for row in rows:
        version = versions.get(row.key, 0) + 1
        versions[row.key] = version
        change = Change(row, "inserted" if version == 1 else "updated", version)
        writes.history.append(change)
        last[row.key] = change
    for key, change in last.items():
        (writes.updates if key in stored else writes.inserts).append(change)
    return writes
