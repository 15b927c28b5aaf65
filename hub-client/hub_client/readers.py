"""Reading a file to ingest record by record, whatever its size: CSV, NDJSON, or a sheet of an XLSX workbook.

Each record comes with the line it starts on (a sheet's row number for XLSX), so that a row the big data centre
quarantines can be traced back to the file, and with the bytes the centre is sent for it:

- NDJSON: the line as it is (the centre parses it, so a number keeps its exact digits).
- CSV: the record's text as it is (in UTF-8, whatever the file's encoding), framed as the centre frames it (lines
  joined while a quoted field is open), to follow the file's header in each batch.
- XLSX: the row written as one CSV record. The centre types CSV text by the entry's data items (A17.1), so a
  sheet is sent as the text its cells show: dates as YYYY-MM-DD, date-times in ISO 8601, whole numbers without a
  fraction (see `hub_client.sheets`).

What the centre would skip is skipped here too (blank NDJSON lines, CSV rows of blank cells), so that its row
numbers and the file's records agree one to one. A record the centre could not take without refusing its whole
batch (one longer than the centre's cap, a quoted field still open at the end of the file) is not sent: it carries
the problem instead, and is reported as a row error by the client itself. Only a file that cannot be read on at
all (no header, not in its encoding, not a workbook) raises `SourceError`.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from hub_client.errors import SourceError

# The centre refuses a whole batch holding a record longer than this (aggregation_svc.ingest.formats).
MAX_RECORD_BYTES = 1024 * 1024
CSV_TYPE = "text/csv; charset=utf-8"
NDJSON_TYPE = "application/x-ndjson"
FORMATS = {".csv": "csv", ".ndjson": "ndjson", ".jsonl": "ndjson", ".xlsx": "xlsx"}


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record of the file: where it starts, and what the centre is sent for it, or why it is not sent."""

    line: int
    payload: bytes
    problem: str | None = None


@dataclass(frozen=True)
class Source:
    """A file opened for ingest: the body's media type, the header each CSV batch starts with, its records."""

    format: str
    content_type: str
    header: bytes
    records: Iterator[SourceRecord]
    # How many records the file holds, when the reader can tell cheaply (a sheet's declared dimension).
    estimated_records: int | None = None


def file_format(path: Path) -> str:
    """The format a file's name says: csv, ndjson (.ndjson, .jsonl) or xlsx."""
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise SourceError(f"{path.name}: expected a .csv, .ndjson, .jsonl or .xlsx file.")
    return found


@contextmanager
def open_source(path: Path, *, encoding: str = "utf-8-sig", sheet: str | None = None) -> Iterator[Source]:
    """The file's records, read as they are needed; `encoding` is a CSV file's (Excel saves GB18030 in China),
    `sheet` an XLSX workbook's sheet (the first by default)."""
    kind = file_format(path)
    if kind == "ndjson":
        with path.open("rb") as binary:
            yield Source(kind, NDJSON_TYPE, b"", ndjson_records(binary))
    elif kind == "csv":
        try:
            codecs.lookup(encoding)
        except LookupError as exc:
            raise SourceError(f"Unknown encoding {encoding!r}.") from exc
        # Lines end at a line feed only, as the centre splits them (a carriage return may sit inside a field).
        with path.open(encoding=encoding, newline="\n") as text:
            header, records = csv_records(text, encoding)
            yield Source(kind, CSV_TYPE, header, records)
    else:
        # openpyxl is imported only for a workbook: it takes longer to import than anything else of the client.
        from hub_client import sheets

        with sheets.open_sheet(path, sheet) as opened:
            header, records = table_records(opened.rows)
            yield Source(kind, CSV_TYPE, header, records, opened.estimated_rows)


def ndjson_records(binary: IO[bytes]) -> Iterator[SourceRecord]:
    """One JSON record a line, sent as it is; blank lines are skipped, as the centre skips them."""
    number = 0
    while line := binary.readline(MAX_RECORD_BYTES + 2):
        number += 1
        if number == 1:
            line = line.removeprefix(codecs.BOM_UTF8)
        if not line.endswith(b"\n") and len(line) > MAX_RECORD_BYTES + 1:
            # Read the rest of the line without keeping it: memory stays flat whatever the line's length.
            while (rest := binary.readline(MAX_RECORD_BYTES)) and not rest.endswith(b"\n"):
                pass
            yield SourceRecord(number, b"", f"longer than {MAX_RECORD_BYTES} bytes")
            continue
        content = line.rstrip(b"\r\n")
        if not content.strip():
            continue
        if len(content) > MAX_RECORD_BYTES:
            yield SourceRecord(number, b"", f"longer than {MAX_RECORD_BYTES} bytes")
            continue
        yield SourceRecord(number, content + b"\n")


def _framed(text: IO[str]) -> Iterator[tuple[int, str | None, str | None]]:
    """A CSV file's records as the centre frames them (aggregation_svc.ingest.formats.csv_rows): lines joined while
    a quoted field is open (an odd count of quote characters so far). Each comes with the line it starts on and its
    text without the line break, or None and the problem when it cannot be sent."""
    number, start = 0, 0
    kept: list[str] = []
    quotes = size = 0
    at_line_start = True
    # Pieces, not lines: a line of any length is read without being held whole.
    while piece := text.readline(MAX_RECORD_BYTES + 2):
        if at_line_start:
            number += 1
            start = start or number
        at_line_start = piece.endswith("\n")
        quotes += piece.count('"')
        size += len(piece)
        if size <= MAX_RECORD_BYTES + 2:
            kept.append(piece)
        if at_line_start and not quotes % 2:
            yield _record_text(start, kept, size)
            start, kept, quotes, size = 0, [], 0, 0
    if start:
        yield (start, None, "a quoted field never ends") if quotes % 2 else _record_text(start, kept, size)


def _record_text(start: int, kept: list[str], size: int) -> tuple[int, str | None, str | None]:
    if size > MAX_RECORD_BYTES + 2:
        return start, None, f"longer than {MAX_RECORD_BYTES} bytes"
    # As the centre reads it: without its line break and any carriage return before it.
    return start, "".join(kept).removesuffix("\n").rstrip("\r"), None


def _cells(record: str) -> list[str] | None:
    """A record's cells, parsed as the centre parses it; None when it cannot be."""
    try:
        return next(csv.reader([record]), [])
    except csv.Error:
        return None


def _blank(record: str) -> bool:
    """Whether every cell of a record is blank (the centre skips such a record)."""
    if '"' not in record and "\r" not in record:
        return not record.replace(",", "").strip()  # the common case, without parsing
    cells = _cells(record)
    return cells is not None and not any(cell.strip() for cell in cells)


def csv_records(text: IO[str], encoding: str) -> tuple[bytes, Iterator[SourceRecord]]:
    """A CSV file's header and records, each record's text sent as it is (re-encoded in UTF-8): framed as the
    centre frames them, so its rows and the file's records agree one to one."""
    framed = _framed(text)
    try:
        for line, record, problem in framed:
            if record is None:
                raise SourceError(f"The header (line {line}) cannot be read: {problem}.")
            if _blank(record):
                continue
            cells = _cells(record)
            if cells is None:
                raise SourceError(f"The header (line {line}) is not a CSV record.")
            _check_header(cells, line)
            return (record + "\n").encode("utf-8"), _csv_data(framed, encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"The file is not {encoding} text: {exc.reason}.") from exc
    raise SourceError("The file has no header row naming the items.")


def _csv_data(framed: Iterator[tuple[int, str | None, str | None]], encoding: str) -> Iterator[SourceRecord]:
    line = 0
    try:
        for line, record, problem in framed:
            if record is None:
                yield SourceRecord(line, b"", problem)
            elif not _blank(record):
                yield _encoded(line, record + "\n")
    except UnicodeDecodeError as exc:
        raise SourceError(f"The file is not {encoding} text after line {line}: {exc.reason}.") from exc


def _encoded(line: int, text: str) -> SourceRecord:
    try:
        payload = text.encode("utf-8")
    except UnicodeEncodeError:
        return SourceRecord(line, b"", "not valid Unicode text")
    if len(payload) > MAX_RECORD_BYTES:
        return SourceRecord(line, b"", f"longer than {MAX_RECORD_BYTES} bytes")
    return SourceRecord(line, payload)


def _check_header(cells: list[str], line: int) -> None:
    """A header names each item once, none blank: the centre would refuse every batch of any other."""
    names = [cell.strip() for cell in cells]
    if not all(names) or len(set(names)) != len(names):
        raise SourceError(f"The header (line {line}) must name each item once, none blank: {names}.")


# A sheet's row: its row number and its cells as text.
TableRow = tuple[int, list[str]]


class _CsvEncoder:
    """A sheet's cells written as one CSV record, as the centre reads them back (aggregation_svc.ingest.formats)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\n")

    def text(self, cells: list[str]) -> str:
        self._writer.writerow(cells)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def encode(self, cells: list[str]) -> bytes:
        return self.text(cells).encode("utf-8")


def table_records(rows: Iterable[TableRow]) -> tuple[bytes, Iterator[SourceRecord]]:
    """A sheet's header (its first row with a cell that is not blank) and records, each written as a CSV record."""
    rows = iter(rows)
    encoder = _CsvEncoder()
    for line, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        _check_header(cells, line)
        return encoder.encode([cell.strip() for cell in cells]), _table_data(rows, encoder)
    raise SourceError("The file has no header row naming the items.")


def _table_data(rows: Iterator[TableRow], encoder: _CsvEncoder) -> Iterator[SourceRecord]:
    for line, cells in rows:
        if any(cell.strip() for cell in cells):
            yield _encoded(line, encoder.text(cells))
