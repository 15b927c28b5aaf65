"""The tracer: which grant's delivery a leaked file came from, if any (A21.1). Pure functions over rows read from
CSV, NDJSON or JSON, the entry's data items and the entry's grants with their fingerprint keys.

The evidence is one cell per distinct value (type tag and canonical text) that allows two spellings or more: a
value repeated in many rows, or in two columns, is the same PRF input, so it counts once. Where a file spells one
value several ways (rows of two deliveries mixed), the spelling most rows use counts, ties broken by the shortest:
the observation never depends on a grant's key. A grant's score is the number of cells spelled as its key chooses.

For a grant the file did not come from, its key is independent of the file, so each cell matches with probability
1/(its number of spellings), independently of the other cells (distinct PRF inputs). The number of matches is then
Poisson-binomial with mean n·p̄ (p̄ the mean of those probabilities), and by Hoeffding's theorem (1956, Theorem 4)
its tail at m ≥ n·p̄ + 1 is at most the binomial tail P[Bin(n, p̄) ≥ m], computed here to float precision in
logarithms. That bound times the number of grants (a union bound over them) is the false-alarm probability
`log10_false_alarm_bound` reports; a grant is named only when it is below `alpha` and the grant has strictly more
matches than every other.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from aggregation_svc.fingerprint.marks import (
    MARKED_TYPES,
    KeyedChoice,
    Spelling,
    datetime_spelling,
    decimal_spelling,
    prf_message,
)
from hub.contracts.catalog import DataItemSpec
from hub.spreadsheets import restore_formula_text

# A false alarm (naming a grant the file did not come from) at most once in a billion traces.
ALPHA = 1e-9
# Cells examined at most: a few hundred already name a grant far beyond ALPHA; a file of millions of rows is
# sampled (by an unkeyed hash of each value, so the sample does not depend on any grant).
MAX_CELLS = 20_000

Row = Mapping[str, Any]
# What a column is read as: a marked type and, for a decimal, the declared length its spellings respect.
ColumnType = tuple[str, int | None]


@dataclass(frozen=True)
class GrantScore:
    """One grant's evidence: cells spelled as its key chooses, and log10 of the chance bound of that many."""

    grant_id: uuid.UUID
    matches: int
    log10_tail: float


@dataclass(frozen=True)
class Verdict:
    """What the tracer concludes, with its evidence. `grant_id` is None when no grant is named."""

    grant_id: uuid.UUID | None
    reason: str
    values_read: int
    cells: int
    chance_rate: float
    grants: int
    alpha: float
    best: GrantScore | None = None
    runner_up: GrantScore | None = None
    # log10 of (best grant's chance bound × number of grants), at most 0.
    log10_false_alarm_bound: float = 0.0
    columns: dict[str, str] = field(default_factory=dict)
    # Every grant whose own bound is below alpha: more than one means deliveries were mixed (collusion).
    significant: tuple[uuid.UUID, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The verdict as JSON-ready values."""

        def score(s: GrantScore | None) -> dict[str, Any] | None:
            return (
                None if s is None else {"grant_id": str(s.grant_id), "matches": s.matches, "log10_tail": s.log10_tail}
            )

        return {
            "grant_id": None if self.grant_id is None else str(self.grant_id),
            "reason": self.reason,
            "values_read": self.values_read,
            "cells": self.cells,
            "chance_rate": self.chance_rate,
            "grants": self.grants,
            "alpha": self.alpha,
            "best": score(self.best),
            "runner_up": score(self.runner_up),
            "log10_false_alarm_bound": self.log10_false_alarm_bound,
            "columns": self.columns,
            "significant": [str(g) for g in self.significant],
        }


def log10_binomial_tail(n: int, p: float, m: int) -> float:
    """log10 of P[Bin(n, p) ≥ m] for 0 < p < 1 when m ≥ n·p + 1 (from there on the terms only fall); below, 0
    (no bound under 1 is claimed)."""
    if m < n * p + 1:
        return 0.0
    q = 1.0 - p
    first = math.lgamma(n + 1) - math.lgamma(m + 1) - math.lgamma(n - m + 1) + m * math.log(p) + (n - m) * math.log(q)
    # The later terms relative to the first, each from the one before: they fall at least geometrically.
    total, term = 1.0, 1.0
    for j in range(m, n):
        term *= (n - j) / (j + 1) * p / q
        total += term
        if term < 1e-17 * total:
            break
    return (first + math.log(total)) / math.log(10)


def _value_text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    # A CSV written for spreadsheets puts an apostrophe before a minus (hub.spreadsheets): the value is behind it.
    text = restore_formula_text(value.strip())
    return text or None


def _spelling(column: ColumnType, text: str) -> Spelling | None:
    data_type, length = column
    return decimal_spelling(text, length) if data_type == "decimal" else datetime_spelling(text)


def _inferred(values: Sequence[str]) -> ColumnType | None:
    """The type of a column whose header names no item (renamed): datetime if every value is datetime text,
    decimal (of no declared length) if every one is plain decimal text and one has a point, else none."""
    if not values:
        return None
    if all(datetime_spelling(v) is not None for v in values):
        return ("datetime", None)
    if all(decimal_spelling(v, None) is not None for v in values) and any("." in v for v in values):
        return ("decimal", None)
    return None


def column_types(rows: Sequence[Row], items: Sequence[DataItemSpec]) -> dict[str, ColumnType]:
    """The file's columns that may carry the mark. A header naming an item (by name, any case, or by its label)
    takes the item's type; a header naming none is judged by its values (a renamed column still testifies)."""
    by_header: dict[str, DataItemSpec] = {}
    for item in items:
        by_header.setdefault(item.label.strip(), item)
        by_header[item.name] = item
    headers: dict[str, None] = {}
    for row in rows:
        headers.update(dict.fromkeys(h for h in row if isinstance(h, str)))  # a CSV row's surplus cells: None
    found: dict[str, ColumnType] = {}
    for header in headers:
        named = by_header.get(header.strip()) or by_header.get(header.strip().lower())
        if named is not None:
            if named.data_type in MARKED_TYPES:
                found[header] = (str(named.data_type), named.length)
            continue
        texts = [t for t in (_value_text(row.get(header)) for row in rows) if t is not None]
        inferred = _inferred(texts)
        if inferred is not None:
            found[header] = inferred
    return found


Cell = tuple[str, str, int]  # (type tag, canonical text, number of spellings)


def observed_cells(rows: Sequence[Row], columns: Mapping[str, ColumnType]) -> tuple[int, dict[Cell, int]]:
    """(values read, {cell: the spelling index the file gives it}) for the cells allowing two spellings or more."""
    seen: dict[tuple[str, str], Counter[tuple[int, int]]] = defaultdict(Counter)
    values = 0
    for header, column in columns.items():
        for row in rows:
            text = _value_text(row.get(header))
            if text is None:
                continue
            found = _spelling(column, text)
            if found is None:
                continue
            values += 1
            if found.spellings >= 2:
                seen[(column[0], found.canonical)][(found.zeros, found.spellings)] += 1
    cells: dict[Cell, int] = {}
    for (data_type, canonical), spellings in seen.items():
        # The spelling most rows give; ties to the fewest zeros: a rule that looks at no key.
        (index, count), _ = min(spellings.items(), key=lambda kv: (-kv[1], kv[0]))
        cells[(data_type, canonical, count)] = index
    return values, cells


def _sampled(cells: dict[Cell, int], limit: int) -> dict[Cell, int]:
    if len(cells) <= limit:
        return cells

    def rank(cell: Cell) -> bytes:
        return hashlib.blake2b(prf_message(cell[0], cell[1]), digest_size=8).digest()

    return {cell: cells[cell] for cell in sorted(cells, key=rank)[:limit]}


def trace(
    rows: Sequence[Row],
    items: Sequence[DataItemSpec],
    grants: Sequence[tuple[uuid.UUID, bytes]],
    *,
    alpha: float = ALPHA,
    max_cells: int = MAX_CELLS,
) -> Verdict:
    """The grant whose delivery the rows came from, or none, with the evidence (see the module docstring)."""
    columns = column_types(rows, items)
    values, cells = observed_cells(rows, columns)
    cells = _sampled(cells, max_cells)
    n = len(cells)
    chance = sum(1 / count for _, _, count in cells) / n if n else 0.0
    verdict = Verdict(
        None, "no evidence: no value in the file carries a mark", values_read=values, cells=n, chance_rate=chance,
        grants=len(grants), alpha=alpha, columns={header: column[0] for header, column in columns.items()},
    )  # fmt: skip
    if not n:
        return verdict
    if not grants:
        return replace(verdict, reason="no grant: the entry has no grants to compare with")
    scores = sorted(_scores(cells, grants, chance), key=lambda s: (-s.matches, str(s.grant_id)))
    best, runner_up = scores[0], (scores[1] if len(scores) > 1 else None)
    union, threshold = math.log10(len(grants)), math.log10(alpha)
    verdict = replace(
        verdict, best=best, runner_up=runner_up, log10_false_alarm_bound=min(0.0, best.log10_tail + union),
        significant=tuple(s.grant_id for s in scores if s.log10_tail + union < threshold),
    )  # fmt: skip
    if verdict.log10_false_alarm_bound >= threshold:
        return replace(verdict, reason="no grant: no grant's marks stand out from chance")
    if runner_up is not None and runner_up.matches == best.matches:
        return replace(verdict, reason="no grant: two grants match equally (deliveries mixed?)")
    return replace(verdict, grant_id=best.grant_id, reason="named")


def _scores(cells: Mapping[Cell, int], grants: Iterable[tuple[uuid.UUID, bytes]], chance: float) -> list[GrantScore]:
    n = len(cells)
    scores = []
    for grant_id, key in grants:
        choice = KeyedChoice(key)
        matches = sum(choice.index(t, canonical, count) == index for (t, canonical, count), index in cells.items())
        scores.append(GrantScore(grant_id, matches, log10_binomial_tail(n, chance, matches)))
    return scores


# Reading a leaked file. Numbers in JSON are kept as the text they were written as: their spelling is the mark.
def _json_loads(text: str) -> Any:
    return json.loads(text, parse_float=str, parse_int=str)


def _objects(values: Iterable[Any]) -> list[dict[str, Any]]:
    return [v for v in values if isinstance(v, dict)]


def read_json(text: str) -> list[dict[str, Any]]:
    """Rows of a JSON document: an object with "records" (a page of the delivery API), an array, or one object."""
    document = _json_loads(text)
    if isinstance(document, dict):
        records = document.get("records")
        return _objects(records) if isinstance(records, list) else [document]
    return _objects(document) if isinstance(document, list) else []


def read_ndjson(text: str) -> list[dict[str, Any]]:
    """Rows of NDJSON, one object per line; a line that is not JSON (a truncated last line) is passed over."""
    rows: list[Any] = []
    for line in text.splitlines():
        if line.strip():
            try:
                rows.append(_json_loads(line))
            except ValueError:
                continue
    return _objects(rows)


def read_csv(text: str) -> list[dict[str, Any]]:
    """Rows of CSV text with a header row; the delimiter (comma, semicolon, tab, bar) is guessed."""
    try:
        delimiter = csv.Sniffer().sniff(text[:65536], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    # Only the delimiter is taken from the guess: quoting stays RFC 4180's (the sniffer guesses it from a sample
    # that may hold no quote at all).
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def _decoded(data: bytes) -> str:
    # UTF-8 (with Excel's byte order mark or not), else GB 18030: what spreadsheets save Chinese text in.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030", errors="replace")


def read_rows(path: Path) -> list[dict[str, Any]]:
    """The rows of a file: NDJSON (.ndjson, .jsonl), JSON (.json), CSV (.csv, .tsv, .txt); another suffix is
    judged by its first character."""
    text = _decoded(path.read_bytes())
    suffix = path.suffix.lower()
    start = text.lstrip()[:1]
    if suffix in (".ndjson", ".jsonl"):
        return read_ndjson(text)
    if suffix == ".json" or (suffix not in (".csv", ".tsv", ".txt") and start in ("[", "{")):
        try:
            return read_json(text)
        except ValueError:
            return read_ndjson(text)
    return read_csv(text)
