"""A dataset's records written as CSV, JSON or XLSX, a page of rows at a time (A24.1).

CSV and JSON are produced as chunks while rows are read, so a download of any size starts at once and holds one
page in memory. XLSX is written by XlsxWriter in its constant-memory mode (each row goes to a temporary file as
the next begins, strings inline rather than in a shared table), so memory stays flat however many rows; a
worksheet holds at most 1,048,576 rows, so a larger dataset continues on further sheets. The workbook is then sent
from its temporary file.

Every text cell of a CSV or XLSX gets hub.spreadsheets' formula neutralisation (an apostrophe before = + - @ tab
CR), so a value an agency collected never runs as a formula in a reader's spreadsheet; JSON carries the values as
they are. Numbers and booleans stay numbers and booleans.
"""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
from collections.abc import Sequence
from typing import IO, Any

from xlsxwriter import Workbook  # type: ignore[import-untyped]

from hub.spreadsheets import neutralise_formula

CHUNK_BYTES = 64 * 1024
# XLSX's limits: rows per worksheet (the header included), characters per cell.
SHEET_ROWS = 1_048_576
CELL_CHARACTERS = 32_767
# A spreadsheet keeps 15 significant digits: a larger number (an 18-digit identifier) is written as text.
EXACT_NUMBERS = 10**15
# Characters XML 1.0 cannot carry: a workbook holding one would not open.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value: Any) -> str | None:
    """A value as cell text: None for a number or boolean (written as such), JSON for a nested value."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def spreadsheet_cell(value: Any) -> Any:
    """A value as a CSV or XLSX cell: text neutralised against formulas, numbers and booleans as they are."""
    text = _text(value)
    return value if text is None else neutralise_formula(text)


class CsvChunks:
    """CSV rows, UTF-8 with a byte-order mark (so that Excel shows the Chinese text), in chunks of about
    CHUNK_BYTES."""

    def __init__(self, header: Sequence[str]) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer)
        self._writer.writerow([spreadsheet_cell(name) for name in header])

    def write(self, row: Sequence[Any]) -> bytes:
        """Add a row; a chunk of what is written so far once it is large enough, else nothing."""
        self._writer.writerow([spreadsheet_cell(v) for v in row])
        return self.take() if self._buffer.tell() >= CHUNK_BYTES else b""

    def take(self) -> bytes:
        """Everything written and not yet taken."""
        chunk = self._buffer.getvalue().encode()
        self._buffer.seek(0)
        self._buffer.truncate()
        return chunk


class JsonChunks:
    """A JSON array of objects, one per line, in chunks of about CHUNK_BYTES."""

    def __init__(self) -> None:
        self._parts: list[str] = ["["]
        self._size = 1
        self._first = True

    def write(self, record: dict[str, Any]) -> bytes:
        """Add an object; a chunk once enough is written, else nothing."""
        part = ("\n" if self._first else ",\n") + json.dumps(record, ensure_ascii=False)
        self._first = False
        self._parts.append(part)
        self._size += len(part)
        return self.take() if self._size >= CHUNK_BYTES else b""

    def take(self) -> bytes:
        chunk = "".join(self._parts).encode()
        self._parts, self._size = [], 0
        return chunk

    def end(self) -> bytes:
        """The rest, closing the array."""
        self._parts.append("\n]\n" if not self._first else "]\n")
        return self.take()


def xlsx_text(value: Any) -> str:
    """A value as XLSX cell text: what XML can carry, neutralised against formulas, within a cell's length."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float):  # too large to be a number exactly
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return neutralise_formula(_XML_ILLEGAL.sub("", text))[:CELL_CHARACTERS]


class XlsxFile:
    """A workbook written row by row in constant memory; `close()` returns it as a temporary file at its start."""

    def __init__(self, header: Sequence[str], sheet_title: str = "data") -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller by close()
        # No text is ever read as a formula, a number or a link: it stays the text the dataset holds.
        options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
                   "strings_to_urls": False, "use_zip64": True}  # fmt: skip
        self._workbook = Workbook(self._file, options)
        self._header = list(header)
        self._title = sheet_title
        self._sheets = 0
        self._row = SHEET_ROWS  # no sheet yet: the first row opens one

    def _next_sheet(self) -> None:
        self._sheets += 1
        self._sheet = self._workbook.add_worksheet(self._title if self._sheets == 1 else f"{self._title}{self._sheets}")
        self._sheet.freeze_panes(1, 0)
        self._write(0, self._header)
        self._row = 1

    def _write(self, row: int, values: Sequence[Any]) -> None:
        for col, value in enumerate(values):
            if value is None:
                continue  # an empty cell
            if isinstance(value, bool):
                self._sheet.write_boolean(row, col, value)
            elif isinstance(value, int | float) and abs(value) < EXACT_NUMBERS:
                self._sheet.write_number(row, col, value)
            else:
                self._sheet.write_string(row, col, xlsx_text(value))

    def write(self, row: Sequence[Any]) -> None:
        """Add a row, on a new sheet when the current one is full."""
        if self._row >= SHEET_ROWS:
            self._next_sheet()
        self._write(self._row, row)
        self._row += 1

    def close(self) -> IO[bytes]:
        """The finished workbook (at least one sheet, the header alone for no rows), at its start; the caller closes
        it."""
        if self._sheets == 0:
            self._next_sheet()
        self._workbook.close()
        self._file.seek(0)
        return self._file

    def discard(self) -> None:
        """Drop an unfinished workbook."""
        self._file.close()
