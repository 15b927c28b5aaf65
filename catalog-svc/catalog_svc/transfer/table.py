"""The catalogue as a table: one row per data item (信息项), its entry's elements repeated on each of its rows.

Row 1 is the header; columns come in any order, and only `code` is required (a missing column reads as blank).

- entry: code (资源代码), region_code, name, summary, classification, category, base_database, source_system,
  format, share_type, share_conditions, share_method, share_legal_basis, open_type, open_conditions,
  open_legal_basis, update_cycle, secrecy, consent_required, tags, related_codes
- item: item_name, item_label, item_type, item_length, item_required, item_key, item_sensitivity,
  item_description, item_source_entry_code, item_source_justification (A15.3)
- written by exports, ignored by imports: provider_agency, provider_agency_id, version, published_at

Rows with the same code make one entry. An entry value may be left blank on all of its rows but one; two
different values are an error. A row whose item columns are all blank carries no item. `tags` and
`related_codes` are separated by semicolons; booleans read true/false, yes/no, 1/0 or 是/否.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from catalog_svc.entries.models import EntryVersion
from catalog_svc.entries.schemas import EntryCreate
from catalog_svc.transfer.schemas import Publisher, RowError
from hub.errors import InvalidInput
from hub.input_edge import MESSAGE, printable, unstorable

ENTRY_COLUMNS = (
    "code", "region_code", "name", "summary", "classification", "category", "base_database", "source_system",
    "format", "share_type", "share_conditions", "share_method", "share_legal_basis", "open_type", "open_conditions",
    "open_legal_basis", "update_cycle", "secrecy", "consent_required", "tags", "related_codes",
)  # fmt: skip
# Item column → DataItem field.
ITEM_COLUMNS = {
    "item_name": "name", "item_label": "label", "item_type": "data_type", "item_length": "length",
    "item_required": "required", "item_key": "key", "item_sensitivity": "sensitivity",
    "item_description": "description",
}  # fmt: skip
SOURCE_COLUMNS = {"item_source_entry_code": "source_entry_code", "item_source_justification": "justification"}
COLUMNS = (*ENTRY_COLUMNS, *ITEM_COLUMNS, *SOURCE_COLUMNS)
EXPORT_ONLY_COLUMNS = ("provider_agency", "provider_agency_id", "version", "published_at")
EXPORT_COLUMNS = (*COLUMNS, *EXPORT_ONLY_COLUMNS)
# An import runs as a job, so no request timeout bounds it; this bounds its memory and its transaction. A city's
# whole catalogue, a few thousand entries of a few dozen items each, fits.
MAX_ROWS = 50_000

_LISTS = frozenset({"tags", "related_codes"})
_BOOLEANS = frozenset({"consent_required", "item_required", "item_key"})
_CHINESE_BOOLEANS = {"是": "true", "否": "false"}
_SEPARATOR = re.compile(r"[;；]")
_REQUIREMENT = re.compile(r"\((A\d+\.\d+)\)")
_FIELD_COLUMN = {f: c for c, f in ITEM_COLUMNS.items()}

Cell = str | int | None


def cell_text(value: object) -> str | None:
    """A spreadsheet cell as text: None when blank; whole numbers without a decimal point."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float | Decimal) and value == int(value):
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def column_index(header: Sequence[object]) -> dict[str, int]:
    """Where each known column is; the whole file is refused when the header cannot be read."""
    index: dict[str, int] = {}
    errors: list[RowError] = []
    for position, value in enumerate(header):
        name = (cell_text(value) or "").lstrip("\ufeff").strip().lower()
        if not name:
            continue
        if name in EXPORT_ONLY_COLUMNS:
            continue
        if name not in COLUMNS:
            errors.append(RowError(row=1, field=printable(name), message="unknown column"))
        elif name in index:
            errors.append(RowError(row=1, field=name, message="the column appears twice"))
        else:
            index[name] = position
    if "code" not in index:
        errors.append(RowError(row=1, field="code", message="the header names no `code` column"))
    if errors:
        raise InvalidInput(
            "The file's header row cannot be read.", errors=[e.model_dump(exclude_none=True) for e in errors]
        )
    return index


@dataclass
class ParsedEntry:
    """One entry read from the file, valid as a draft, with the row each of its values came from."""

    entry: EntryCreate
    first_row: int
    origins: dict[str, int]  # an element, "items.<name>" or "item_sources.<name>" → its row

    @property
    def code(self) -> str:
        return self.entry.code

    def row_of(self, element: str) -> int:
        """The row a violation of `element` (as the entries' rules name it, e.g. items.id_number) points at."""
        parts = element.split(".")
        for length in range(len(parts), 0, -1):
            row = self.origins.get(".".join(parts[:length]))
            if row is not None:
                return row
        return self.first_row


@dataclass
class ParsedFile:
    """The entries of a file valid as drafts, the rows refused, and how many entries were refused for them."""

    entries: list[ParsedEntry]
    errors: list[RowError]
    rows: int
    refused: int = 0

    @property
    def total(self) -> int:
        """The entries (distinct codes) the file holds."""
        return len(self.entries) + self.refused


@dataclass
class _Group:
    code: str
    first_row: int
    values: dict[str, str] = field(default_factory=dict)
    origins: dict[str, int] = field(default_factory=dict)
    items: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    sources: dict[str, tuple[int, dict[str, str]]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)

    def add(self, number: int, record: dict[str, str]) -> None:
        for column in ENTRY_COLUMNS:
            value = record.get(column)
            if value is None:
                continue
            if column not in self.values:
                self.values[column], self.origins[column] = value, number
            elif self.values[column] != value:
                first = self.origins[column]
                message = f"differs from row {first} ({self.values[column]!r}): an entry's rows repeat its values"
                self.errors.append(RowError(row=number, field=column, message=message, code=self.code))
        item = {ITEM_COLUMNS[c]: record[c] for c in ITEM_COLUMNS if c in record}
        source = {SOURCE_COLUMNS[c]: record[c] for c in SOURCE_COLUMNS if c in record}
        if not item and not source:
            return
        name = item.get("name")
        if name is None:
            self.errors.append(RowError(row=number, field="item_name", message="an item row names its item",
                                        code=self.code))  # fmt: skip
            return
        self.items.append((number, item))
        self.origins.setdefault(f"items.{name}", number)
        if source:
            self.sources[name] = (number, source)
            self.origins[f"item_sources.{name}"] = number


def _typed(column: str, text: str) -> Any:
    if column in _LISTS:
        return [part.strip() for part in _SEPARATOR.split(text) if part.strip()]
    if column in _BOOLEANS:
        return _CHINESE_BOOLEANS.get(text, text)
    return text


def _locate(group: _Group, loc: tuple[int | str, ...]) -> tuple[int, str]:
    """The row and column a validation error of the assembled entry points at."""
    head = str(loc[0]) if loc else "code"
    if head == "items" and len(loc) > 1 and isinstance(loc[1], int) and loc[1] < len(group.items):
        column = _FIELD_COLUMN.get(str(loc[2]), "item_name") if len(loc) > 2 else "item_name"
        return group.items[loc[1]][0], column
    if head == "item_sources" and len(loc) > 1 and str(loc[1]) in group.sources:
        return group.sources[str(loc[1])][0], "item_source_entry_code"
    return group.origins.get(head, group.first_row), head


def _entry_of(group: _Group, provider_agency_id: uuid.UUID) -> ParsedEntry | list[RowError]:
    body: dict[str, Any] = {c: _typed(c, v) for c, v in group.values.items()}
    items = [{f: _typed(c, item[f]) for c, f in ITEM_COLUMNS.items() if f in item} for _, item in group.items]
    body |= {"code": group.code, "provider_agency_id": provider_agency_id, "items": items}
    body["item_sources"] = {name: source for name, (_, source) in group.sources.items()}
    try:
        entry = EntryCreate.model_validate(body)
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            row, column = _locate(group, tuple(error["loc"]))
            found = _REQUIREMENT.search(error["msg"])
            errors.append(RowError(row=row, field=column, message=error["msg"], code=group.code,
                                   requirement=found.group(1) if found else None))  # fmt: skip
        return sorted(errors, key=lambda e: e.row)
    return ParsedEntry(entry, group.first_row, dict(group.origins))


def _too_large(number: int, what: str) -> InvalidInput:
    error = RowError(row=number, field=None, message=f"more than {what}")
    return InvalidInput(
        f"An import holds at most {what}; split the file.", errors=[error.model_dump(exclude_none=True)]
    )


def parse_table(
    rows: Iterable[Sequence[object]], provider_agency_id: uuid.UUID, *, max_rows: int = MAX_ROWS
) -> ParsedFile:
    """Read a table (header first) into the entries it holds, each valid as a draft, and the rows refused.

    An entry with any bad row is left out whole. Reading stops, refusing the file, past `max_rows` data rows.
    """
    lines = iter(rows)
    index = column_index(next(lines, ()))
    groups: dict[str, _Group] = {}
    errors: list[RowError] = []
    counted = 0
    for number, cells in enumerate(lines, start=2):
        record = {c: text for c, i in index.items() if i < len(cells) and (text := cell_text(cells[i])) is not None}
        if not record:
            continue
        counted += 1
        if counted > max_rows:
            raise _too_large(number, f"{max_rows} rows")
        code = record.get("code")
        # A CSV cell may hold what a JSON body cannot reach the database with (hub.input_edge, A28.1).
        bad = [RowError(row=number, field=c, message=MESSAGE) for c, value in record.items() if unstorable(value)]
        if code is None:
            errors.append(RowError(row=number, field="code", message="every row names its entry's code"))
        elif unstorable(code):
            errors += bad
        else:
            # The rest of a row with a bad cell still counts, so the entry's other faults are found too.
            group = groups.setdefault(code, _Group(code, number))
            group.errors += bad
            group.add(number, {c: value for c, value in record.items() if not unstorable(value)})
    entries = []
    for group in groups.values():
        parsed = _entry_of(group, provider_agency_id)
        if isinstance(parsed, list):
            errors += group.errors + parsed
        elif group.errors:
            errors += group.errors
        else:
            entries.append(parsed)
    refused = len(groups) - len(entries)
    return ParsedFile(entries, sorted(errors, key=lambda e: e.row), counted, refused)


def _text(value: object) -> Cell:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if isinstance(value, list):
        return ";".join(str(v) for v in value) or None
    return cell_text(value)


def rows_of(version: EntryVersion, publisher: Publisher | None) -> Iterator[list[Cell]]:
    """A published version as table rows, one per item (one row without item columns when it has none)."""
    entry = [_text(getattr(version, c)) for c in ENTRY_COLUMNS]
    tail = [
        publisher.name if publisher else None, str(version.provider_agency_id), version.version,
        _text(version.published_at),
    ]  # fmt: skip
    sources = version.item_sources or {}
    for item in version.items or [{}]:
        source = sources.get(str(item.get("name")), {}) if item else {}
        yield [
            *entry,
            *(_text(item.get(f)) for f in ITEM_COLUMNS.values()),
            *(_text(source.get(f)) for f in SOURCE_COLUMNS.values()),
            *tail,
        ]
