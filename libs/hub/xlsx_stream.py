"""An XLSX workbook streamed while its rows are read, so a download or an export of any size starts at once.

A workbook is a ZIP of XML parts (ECMA-376). The parts that describe it are small and fixed once the number of
sheets is known; each worksheet is written as SpreadsheetML text a piece of rows at a time and compressed as it
goes by stream-zip (ZIP64 with data descriptors, so neither a part's size nor its checksum is needed up front).
Memory holds one piece of rows and the compressor's window, however many rows; nothing touches the disk.

A worksheet holds at most 1,048,576 rows, so a larger dataset continues on further sheets, each with the header.
Strings are written inline (no shared-strings table, which would have to be complete before the first sheet),
text is never read as a formula, a number or a link (neutralised as in hub.spreadsheets), and a number a
spreadsheet cannot keep exactly (beyond 15 significant digits) is written as text.
"""

from __future__ import annotations

import json
import math
import re
import stat
import zlib
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.sax.saxutils import escape

from stream_zip import ZIP_32, ZIP_64, AsyncMemberFile, async_stream_zip

from hub.spreadsheets import neutralise_formula

# XLSX's limits: rows per worksheet (the header included), characters per cell.
SHEET_ROWS = 1_048_576
CELL_CHARACTERS = 32_767
# A spreadsheet keeps 15 significant digits: a larger number (an 18-digit identifier) is written as text.
EXACT_NUMBERS = 10**15
# Rows rendered into one piece of a worksheet: small enough that rendering never holds the event loop for long.
PIECE_ROWS = 500
# Characters XML 1.0 cannot carry: a workbook holding one would not open.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Style 1 is the header's bold font; fills and borders are the two and one every workbook must have.
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}">'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_HEADER_STYLE = ' s="1"'
_FILE_MODE = stat.S_IFREG | 0o600


def sheets_for(records: int) -> int:
    """How many worksheets hold this many records under a header each (one, the header alone, for none)."""
    per_sheet = SHEET_ROWS - 1
    return max(1, math.ceil(records / per_sheet))


def xlsx_text(value: Any) -> str:
    """A value as XLSX cell text: what XML can carry, neutralised against formulas, within a cell's length."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, int | float):  # too large to be a number exactly, or not a finite one
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return neutralise_formula(_XML_ILLEGAL.sub("", text))[:CELL_CHARACTERS]


def _column(index: int) -> str:
    """A column's letters: 0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _cell(ref: str, value: Any, style: str = "") -> str:
    if value is None:
        return ""  # an empty cell is no cell
    if isinstance(value, bool):
        return f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float) and abs(value) < EXACT_NUMBERS and math.isfinite(value):
        return f'<c r="{ref}"{style}><v>{value!r}</v></c>'
    text = escape(xlsx_text(value))
    return f'<c r="{ref}"{style} t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


class SheetWriter:
    """SpreadsheetML text of worksheets with one header: the opening with the header row, rows, the close."""

    def __init__(self, header: Sequence[str]) -> None:
        self._header = list(header)
        self._columns = [_column(i) for i in range(len(header))]

    def _row(self, number: int, values: Sequence[Any], style: str = "") -> str:
        cells = "".join(_cell(f"{col}{number}", v, style) for col, v in zip(self._columns, values, strict=False))
        return f'<row r="{number}">{cells}</row>'

    def opening(self, rows: int) -> bytes:
        """The worksheet of `rows` rows after the header, up to and including its header row (bold, frozen above
        the rows as they scroll); the dimension lets a reader size the sheet before reading it."""
        last = f"{self._columns[-1] if self._columns else 'A'}{rows + 1}"
        return (
            f'{_DECLARATION}<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"<sheetData>{self._row(1, self._header, _HEADER_STYLE)}"
        ).encode()

    def rows(self, first: int, rows: Sequence[Sequence[Any]]) -> bytes:
        """Rows numbered from `first` (the header is row 1)."""
        return "".join(self._row(first + i, values) for i, values in enumerate(rows)).encode()

    @staticmethod
    def close() -> bytes:
        return b"</sheetData></worksheet>"


def _sheet_name(title: str, number: int) -> str:
    return title if number == 1 else f"{title}{number}"


def package_parts(sheets: int, title: str = "data") -> list[tuple[str, bytes]]:
    """The parts describing a workbook of `sheets` worksheets: content types, relationships, workbook, styles."""
    numbers = range(1, sheets + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_CONTENT_TYPE}.worksheet+xml"/>'
        for n in numbers
    )
    content_types = (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CONTENT_TYPE}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CONTENT_TYPE}.styles+xml"/>'
        f"{overrides}</Types>"
    )
    root_relationships = (
        f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
        + "".join(f'<sheet name="{_sheet_name(title, n)}" sheetId="{n}" r:id="rId{n}"/>' for n in numbers)
        + "</sheets></workbook>"
    )
    workbook_relationships = (
        f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in numbers
        )
        + f'<Relationship Id="rId{sheets + 1}" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
        + "</Relationships>"
    )
    parts = [
        ("[Content_Types].xml", content_types),
        ("_rels/.rels", root_relationships),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", workbook_relationships),
        ("xl/styles.xml", _STYLES),
    ]
    return [(name, (_DECLARATION + text).encode()) for name, text in parts]


class _RowFeed:
    """Rows from pages, handed out in pieces of at most PIECE_ROWS and never beyond a sheet's share."""

    def __init__(self, pages: AsyncIterable[Sequence[Sequence[Any]]]) -> None:
        self._pages = aiter(pages)
        self._left: Sequence[Sequence[Any]] = ()

    async def take(self, limit: int) -> AsyncIterator[Sequence[Sequence[Any]]]:
        while limit > 0:
            if not self._left:
                try:
                    self._left = await anext(self._pages)
                except StopAsyncIteration:
                    return
                continue  # a page may be empty
            size = min(limit, PIECE_ROWS)
            piece, self._left = self._left[:size], self._left[size:]
            limit -= len(piece)
            yield piece


async def _constant(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def xlsx_chunks(
    header: Sequence[str], pages: AsyncIterable[Sequence[Sequence[Any]]], records: int, title: str = "data"
) -> AsyncIterator[bytes]:
    """A workbook of `records` rows read from `pages`, as ZIP bytes while the rows are read.

    `records` sets the number of sheets, so it must be the count of what `pages` yields (both read from one
    snapshot); rows beyond it would be left out, fewer leave the last sheets short.
    """
    sheets = sheets_for(records)
    writer = SheetWriter(header)
    feed = _RowFeed(pages)
    modified = datetime.now(UTC)

    async def sheet(rows: int) -> AsyncIterator[bytes]:
        yield writer.opening(rows)
        number = 2
        async for piece in feed.take(SHEET_ROWS - 1):
            yield writer.rows(number, piece)
            number += len(piece)
        yield writer.close()

    async def members() -> AsyncIterator[AsyncMemberFile]:
        for name, data in package_parts(sheets, title):
            yield name, modified, _FILE_MODE, ZIP_32, _constant(data)
        per_sheet = SHEET_ROWS - 1
        for n in range(1, sheets + 1):
            rows = min(per_sheet, records - (n - 1) * per_sheet)
            yield f"xl/worksheets/sheet{n}.xml", modified, _FILE_MODE, ZIP_64, sheet(max(rows, 0))

    # zlib's default level: level 9 (stream-zip's default) costs far more time for little on repetitive XML.
    compress = lambda: zlib.compressobj(wbits=-zlib.MAX_WBITS, level=6)  # noqa: E731
    async for chunk in async_stream_zip(members(), get_compressobj=compress):
        yield chunk
