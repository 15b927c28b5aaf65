"""Reading and writing the catalogue table as CSV and XLSX files.

An upload is read whole (up to 20 MiB) and kept with its import job; the job reads it once, row by row: CSV is
decoded as it is read (its charset is hub.media's reading of the Content-Type), XLSX with openpyxl's streaming
reader. Exports are written row by row as well.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import AsyncIterable, Generator, Iterator, Sequence
from typing import IO

from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from catalog_svc.transfer.schemas import FileFormat
from catalog_svc.transfer.table import Cell
from hub.errors import InvalidInput, UnsupportedMediaType
from hub.spreadsheets import neutralise_formula, restore_formula_text

CSV_TYPES = frozenset({"text/csv", "application/csv"})
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# A workbook's XML, unzipped: openpyxl holds its shared strings in memory, so a zip bomb is refused unread.
MAX_XLSX_UNZIPPED_BYTES = 256 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
SHEET_TITLE = "catalogue"


def upload_format(requested: FileFormat | None, content_type: str | None) -> FileFormat:
    """The upload's format: as the query names it, else as its Content-Type says; 415 when neither tells (RFC 9110
    §15.5.16, as the big data centre answers a batch in a type it does not read)."""
    if requested is not None:
        return requested
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return FileFormat.csv
    if kind == XLSX_TYPE:
        return FileFormat.xlsx
    raise UnsupportedMediaType(
        f"Send the file as text/csv or {XLSX_TYPE}, or name it with ?format=csv|xlsx.",
        errors=[{"field": "format", "message": f"cannot tell the format of {kind or 'an untyped body'}"}],
    )


async def read_upload(chunks: AsyncIterable[bytes], limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The request body, refused past `limit` bytes."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise InvalidInput(f"An import file holds at most {limit} bytes; split it.")
    return bytes(body)


def csv_rows(file: IO[bytes], charset: str) -> Generator[list[str], None, None]:
    """The rows of a CSV file, decoded as they are read; cells an export neutralised against formula injection
    (a leading apostrophe, see hub.spreadsheets) read as their value, so an exported catalogue imports as it was."""
    text = io.TextIOWrapper(file, encoding=charset, newline="")
    reader = csv.reader(text)
    try:
        for row in reader:
            yield [restore_formula_text(cell) for cell in row]
    except UnicodeError as exc:  # UnicodeDecodeError, or what a decoder such as UTF-7's raises instead
        hint = " Excel saves CSV in GBK: send `Content-Type: text/csv; charset=gb18030`." if "utf" in charset else ""
        raise InvalidInput(f"Row {reader.line_num + 1} is not valid {charset}.{hint}") from exc
    except csv.Error as exc:
        raise InvalidInput(f"Row {reader.line_num} is not valid CSV: {exc}.") from exc
    finally:
        # Leave the file open: it is the caller's to close.
        if not file.closed:
            text.detach()


def _check_workbook(file: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(file) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise InvalidInput("The file is not an XLSX workbook.") from exc
    finally:
        file.seek(0)
    if unzipped > MAX_XLSX_UNZIPPED_BYTES:
        raise InvalidInput(f"The workbook unzips to more than {MAX_XLSX_UNZIPPED_BYTES} bytes; split it.")


def xlsx_rows(file: IO[bytes]) -> Generator[Sequence[object], None, None]:
    """The rows of the workbook's first sheet, streamed (blank rows included, so row numbers hold)."""
    _check_workbook(file)
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InvalidInput(f"The file is not a readable XLSX workbook: {exc}.") from exc
    try:
        sheet = workbook.worksheets[0]
        # Some producers write a wrong sheet dimension; read every row there is.
        sheet.reset_dimensions()
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def read_rows(file: IO[bytes], file_format: FileFormat, charset: str) -> Generator[Sequence[object], None, None]:
    """The rows of an uploaded file, header first."""
    return csv_rows(file, charset) if file_format == FileFormat.csv else xlsx_rows(file)


class CsvWriter:
    """CSV rows encoded in chunks; UTF-8 with a byte-order mark, so that Excel shows the Chinese text.

    It is meant to be opened in a spreadsheet: a text cell that would start a formula gets an apostrophe in front
    (hub.spreadsheets.neutralise_formula); numbers are written as they are.
    """

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._buffer.write("\ufeff")
        self._writer = csv.writer(self._buffer)

    def write(self, row: Sequence[Cell]) -> None:
        self._writer.writerow([neutralise_formula(cell) if isinstance(cell, str) else cell for cell in row])

    def take(self, at_least: int = CHUNK_BYTES) -> bytes:
        """What is written so far once it reaches `at_least` characters (0: everything), else nothing."""
        if self._buffer.tell() < max(at_least, 1):
            return b""
        chunk = self._buffer.getvalue().encode()
        self._buffer.seek(0)
        self._buffer.truncate()
        return chunk


class XlsxWriter:
    """A workbook written row by row (openpyxl's write-only mode keeps rows on disk, not in memory)."""

    def __init__(self, header: Sequence[str]) -> None:
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet(SHEET_TITLE)
        self._sheet.freeze_panes = "A2"
        self._sheet.append(list(header))

    def _cell(self, value: Cell) -> object:
        if not isinstance(value, str):
            return value
        text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
        if not text.startswith("="):
            return text
        # Text that starts with "=" stays text: an agency's summary must never become a formula.
        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"
        return cell

    def write(self, row: Sequence[Cell]) -> None:
        self._sheet.append([self._cell(v) for v in row])

    def save(self) -> IO[bytes]:
        """The finished workbook in a temporary file, at its start; the caller closes it."""
        file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - returned to be streamed, then closed
        self._workbook.save(file)
        file.seek(0)
        return file


def file_chunks(file: IO[bytes]) -> Iterator[bytes]:
    """A file's bytes in chunks, closing it at the end."""
    with file:
        while chunk := file.read(CHUNK_BYTES):
            yield chunk
