"""Reading a batch as it arrives: NDJSON line by line, CSV record by record, a JSON array element by element.

Memory stays flat whatever the batch size: a parser holds the piece of the body being read and its rows (a record
is capped).
Each yields the `Row`s of each piece of the body it reads as one list (a batch has millions of rows: one step of
an async iteration per row would cost more than reading it), numbered from 1 in the order of the batch (blank
NDJSON lines and the CSV header are not rows). A row that cannot be read as a record carries the problem instead
of values; it is quarantined like any invalid row. A body that cannot be read on at all (a JSON syntax error, a
record beyond the size cap, text that is not in its declared charset) refuses the batch.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import ijson
import orjson

from hub.errors import BadRequest, UnsupportedMediaType
from hub.media import text_charset

# How much of a rejected row its quarantine entry keeps, for the agency to find and fix it.
RAW_CHARS = 2000
MAX_RECORD_BYTES = 1024 * 1024
# Rows of a JSON array yielded together (NDJSON and CSV yield the rows of each piece of the body read).
JSON_PIECE_ROWS = 200


@dataclass(slots=True)
class Row:
    """One record of a batch, or why it could not be read as one.

    `source` is the row as read (an NDJSON line's bytes, a CSV record's text, a parsed JSON value); its text,
    `raw`, is made only for a row that is quarantined, which most rows never are.
    """

    number: int
    values: dict[str, Any] | None
    source: bytes | str | object
    problem: str | None = None

    @property
    def raw(self) -> str:
        """Up to RAW_CHARS characters of the row as sent, for the agency to find and fix it."""
        source = self.source
        if isinstance(source, bytes):
            return source[: RAW_CHARS * 4].decode("utf-8", errors="replace")[:RAW_CHARS]
        if isinstance(source, str):
            return source[:RAW_CHARS]
        return json.dumps(source, ensure_ascii=False, default=str)[:RAW_CHARS]


class Body:
    """A byte stream read once as it arrives, hashing and counting it on the way (for the batch's digest)."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._source = chunks
        self._hash = hashlib.sha256()
        self.size = 0

    async def chunks(self) -> AsyncIterator[bytes]:
        async for chunk in self._source:
            if chunk:
                self._hash.update(chunk)
                self.size += len(chunk)
                yield chunk

    async def drain(self) -> None:
        """Read the rest without parsing it (a replayed batch still has its digest compared)."""
        async for _ in self.chunks():
            pass

    @property
    def digest(self) -> str:
        return self._hash.hexdigest()


HeaderCheck = Callable[[Sequence[str]], None]


@dataclass(frozen=True)
class Format:
    """A batch format: its name and whether its values arrive as text (so typed by the rules, A17.1)."""

    name: str
    from_text: bool
    encoding: str = "utf-8"

    def rows(self, chunks: AsyncIterator[bytes], on_header: HeaderCheck) -> AsyncIterator[list[Row]]:
        if self.name == "csv":
            return csv_rows(chunks, self.encoding, on_header)
        if self.name == "json":
            return json_rows(chunks)
        return ndjson_rows(chunks)


def format_of(content_type: str | None) -> Format:
    """The batch format a Content-Type names; 415 for any other."""
    media, _, _ = (content_type or "").partition(";")
    media = media.strip().lower()
    if media in ("application/x-ndjson", "application/ndjson", "application/jsonl", "application/json-lines"):
        return Format("ndjson", from_text=False)
    if media == "application/json":
        return Format("json", from_text=False)
    if media == "text/csv":
        return Format("csv", from_text=True, encoding=text_charset(content_type))
    raise UnsupportedMediaType(
        "Send a batch as application/x-ndjson (one JSON object per line), text/csv (a header row of item names) "
        "or application/json (an array of objects)."
    )


def _too_long(number: int) -> BadRequest:
    return BadRequest(f"Row {number} is longer than {MAX_RECORD_BYTES} bytes (or a quoted CSV field never ends).")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


# The values orjson reads exactly as json does. It has only floats for numbers with a fraction (json reads them
# as exact decimals) and reads integers beyond 64 bits as floats; a list or an object may hold either.
_READ_ALIKE = frozenset({str, int, bool, type(None)})


def _json_row(number: int, line: bytes) -> Row:
    # orjson reads most lines several times faster than json; json reads the rest, so that what a row means
    # never depends on which parser read it: numbers, and the errors and oddities (lone surrogates) as json
    # reports them.
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        value = None
    if not isinstance(value, dict) or not _READ_ALIKE.issuperset(map(type, value.values())):
        try:
            value = json.loads(line.decode("utf-8"), parse_float=Decimal, parse_constant=_no_constants)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than json reads
            return Row(number, None, line, f"not a JSON record: {exc}")
    if not isinstance(value, dict):
        return Row(number, None, line, "a record is a JSON object")
    return Row(number, value, line)


async def ndjson_rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[Row]]:
    """One JSON object per line (application/x-ndjson); blank lines are skipped."""
    pending = b""
    number = 0
    first = True
    async for chunk in chunks:
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()
        if len(pending) > MAX_RECORD_BYTES:
            raise _too_long(number + 1)
        if first and lines:
            lines[0], first = lines[0].removeprefix(codecs.BOM_UTF8), False
        rows = []
        for line in lines:
            if line.strip():
                number += 1
                rows.append(_json_row(number, line))
        if rows:
            yield rows
    if first:
        pending = pending.removeprefix(codecs.BOM_UTF8)
    if pending.strip():
        yield [_json_row(number + 1, pending)]


async def csv_rows(chunks: AsyncIterator[bytes], encoding: str, on_header: HeaderCheck) -> AsyncIterator[list[Row]]:
    """RFC 4180 CSV whose first record names the items; an empty cell is no value.

    Lines are joined into records while a quoted field is open (an odd count of quote characters so far), so a
    field may hold line breaks, and each record is parsed alone.
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    columns: list[str] | None = None
    number = 0
    pending = ""
    record: list[str] = []
    quotes = size = 0

    def complete(text: str) -> Row | None:
        nonlocal columns, number
        text = text.rstrip("\r")
        try:
            fields = next(csv.reader([text]), [])
        except csv.Error as exc:
            if columns is None:
                raise BadRequest(f"The CSV header cannot be read: {exc}.") from exc
            number += 1
            return Row(number, None, text, f"not a CSV record: {exc}")
        if not any(f.strip() for f in fields):
            return None
        if columns is None:
            columns = [f.strip() for f in fields]
            if len(set(columns)) != len(columns) or not all(columns):
                raise BadRequest("The CSV header names each item once, none blank.")
            on_header(columns)
            return None
        number += 1
        if len(fields) != len(columns):
            return Row(number, None, text, f"expected {len(columns)} fields, found {len(fields)}")
        return Row(number, {c: (v if v != "" else None) for c, v in zip(columns, fields, strict=True)}, text)

    def feed(line: str) -> Row | None:
        nonlocal quotes, size, record
        record.append(line)
        quotes += line.count('"')
        size += len(line)
        if size > MAX_RECORD_BYTES:
            raise _too_long(number + 1)
        if quotes % 2:
            return None
        text, record, quotes, size = "\n".join(record), [], 0, 0
        return complete(text)

    async def decoded() -> AsyncIterator[str]:
        try:
            async for chunk in chunks:
                yield decoder.decode(chunk)
            yield decoder.decode(b"", final=True)
        except UnicodeError as exc:  # a decoder may raise its parent (utf-7, some CJK codecs)
            reason = exc.reason if isinstance(exc, UnicodeDecodeError) else str(exc)
            raise BadRequest(f"The CSV body is not {encoding} text: {reason}.") from exc

    async for text in decoded():
        lines = (pending + text).split("\n")
        pending = lines.pop()
        if len(pending) > MAX_RECORD_BYTES:
            raise _too_long(number + 1)
        rows = [row for line in lines if (row := feed(line)) is not None]
        if rows:
            yield rows
    if pending and (row := feed(pending)) is not None:
        yield [row]
    if record:
        yield [Row(number + 1, None, "\n".join(record), "a quoted field never ends")]
    if columns is None:
        raise BadRequest("A CSV batch starts with a header row naming the items.")


_DIGITS = b"0123456789"


class _Reader:
    """The async file ijson reads from, refusing at once a body that is not a JSON array, and one with a run of
    more digits than Python turns into an integer (sys.get_int_max_str_digits), on which ijson's C parser
    (yajl2_c, 3.6.0) crashes the whole process instead of raising."""

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._checked = False
        self._max_digits = sys.get_int_max_str_digits()
        self._too_many_digits = re.compile(b"[0-9]{%d,}" % (self._max_digits + 1)) if self._max_digits else None
        self._trailing_digits = 0  # the digits that ended what was read so far

    def _screen(self, chunk: bytes) -> None:
        if self._too_many_digits is None:
            return
        leading = len(chunk) - len(chunk.lstrip(_DIGITS))
        if self._trailing_digits + leading > self._max_digits or self._too_many_digits.search(chunk):
            raise BadRequest(f"The JSON body holds a run of more than {self._max_digits} digits.")
        if leading == len(chunk):
            self._trailing_digits += leading
        else:
            self._trailing_digits = len(chunk) - len(chunk.rstrip(_DIGITS))

    async def read(self, size: int = -1) -> bytes:
        if size == 0:
            return b""
        async for chunk in self._chunks:
            if not self._checked:
                start = chunk.lstrip()
                if not start:
                    continue
                if not start.removeprefix(codecs.BOM_UTF8).startswith(b"["):
                    raise BadRequest("A JSON batch is an array of records: [{…}, {…}].")
                self._checked = True
                chunk = chunk.removeprefix(codecs.BOM_UTF8)
            self._screen(chunk)
            return chunk
        return b""


async def json_rows(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[Row]]:
    """A JSON array of objects (application/json), parsed element by element, yielded JSON_PIECE_ROWS at a time."""
    number = 0
    rows: list[Row] = []
    try:
        async for value in ijson.items_async(_Reader(chunks), "item", use_float=False):
            number += 1
            if isinstance(value, dict):
                rows.append(Row(number, value, value))
            else:
                rows.append(Row(number, None, value, "a record is a JSON object"))
            if len(rows) == JSON_PIECE_ROWS:
                yield rows
                rows = []
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        message = exc.args[0] if exc.args else type(exc).__name__
        if isinstance(message, bytes):
            message = message.decode("utf-8", errors="replace")
        detail = (str(message).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise BadRequest(f"The JSON body cannot be read after row {number}: {detail}.") from exc
    if rows:
        yield rows


async def listed_rows(records: Sequence[dict[str, Any]]) -> AsyncIterator[list[Row]]:
    """Records already parsed (a batch from the ingest topic)."""
    yield [Row(number, record, record) for number, record in enumerate(records, start=1)]
