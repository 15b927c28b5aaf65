"""How a chunk of valid rows changes the store (A17.1), decided without the database: what a merged row stores,
which records are inserted, which updated, and the history entry of each change."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import orjson

from aggregation_svc.ingest.rules import compact_json


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


class Partial(NamedTuple):
    """A row of a merge push that does not name every declared item: what it sets, and what it names."""

    data: dict[str, Any]  # its valid values in their stored form, blank ones left out
    sent: frozenset[str]  # the declared items it names: a blank one is cleared


def _stored_form(data: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    values: dict[str, Any] = orjson.loads(data)
    # orjson reads integers beyond 64 bits as floats; stored values hold no float, so json reads those exactly.
    if any(type(value) is float for value in values.values()):
        values = json.loads(data)
    return values


def merged_rows(
    rows: Sequence[Accepted],
    partial: Mapping[int, Partial],
    stored: Mapping[str, str],
    required: Sequence[str],
) -> tuple[list[Accepted], list[tuple[int, list[str]]]]:
    """The rows of a merge push with what each stores (A17.1), rows taken in the order they were pushed.

    A row in `partial` sets the items it names (clearing those it names blank) and keeps every other item of
    the record its key names, as stored (`stored`: key → the record's data as JSON) or as an earlier row of the
    chunk left it. A merged record must still hold every `required` item: a row that would store one without
    (a new record missing them) is returned instead with the items it lacks, and stores nothing. Other rows
    store what they carry, as a replace push does.
    """
    current: dict[str, str | dict[str, Any]] = dict(stored)
    merged: list[Accepted] = []
    incomplete: list[tuple[int, list[str]]] = []
    for row in rows:
        part = partial.get(row.row_number)
        if part is None:
            current[row.key] = row.data
            merged.append(row)
            continue
        base = current.get(row.key)
        values = {n: v for n, v in _stored_form(base).items() if n not in part.sent} if base is not None else {}
        values.update(part.data)
        missing = [name for name in required if name not in values]
        if missing:
            incomplete.append((row.row_number, missing))
            continue
        current[row.key] = values
        merged.append(row._replace(data=compact_json(values)))
    return merged, incomplete


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
