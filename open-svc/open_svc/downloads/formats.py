"""A dataset's records written as CSV or JSON, a page of rows at a time (A24.1); XLSX is in `xlsx`.

Both are produced as chunks while rows are read, so a download of any size starts at once and holds one page in
memory. Every text cell of a CSV gets hub.spreadsheets' formula neutralisation (an apostrophe before = + - @ tab
CR), so a value an agency collected never runs as a formula in a reader's spreadsheet; JSON carries the values as
they are. Numbers and booleans stay numbers and booleans.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from hub.spreadsheets import neutralise_formula

CHUNK_BYTES = 64 * 1024


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
    """A value as a CSV cell: text neutralised against formulas, numbers and booleans as they are."""
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
