"""Reading a sheet of an XLSX workbook row by row, as the text its cells show.

openpyxl's read-only mode parses the sheet as it is iterated, so rows are not held in memory (the workbook's
shared strings are: a sheet of millions of distinct texts is better exported as CSV). Formulas give their cached
values. The sheet's declared dimension is not trusted for reading (some writers declare A1 for any sheet, which
would read as empty): rows are read to the last one present, and a row shorter than the header is padded with
empty cells.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from openpyxl import load_workbook  # type: ignore[import-untyped]
from openpyxl.utils.exceptions import InvalidFileException  # type: ignore[import-untyped]

from hub_client.errors import SourceError

# A number format's quoted literals and bracketed parts (colours, locales), which may hold any letter.
_LITERALS = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


@dataclass(frozen=True)
class OpenedSheet:
    """A sheet's rows (line = the sheet's row number, cells as text) and its declared number of data rows."""

    rows: Iterator[tuple[int, list[str]]]
    estimated_rows: int | None


def shows_time(number_format: str | None) -> bool:
    """Whether a date cell's number format shows a time of day (h, s) rather than the date alone."""
    if not number_format:
        return False
    bare = _LITERALS.sub("", number_format).lower()
    return "h" in bare or "s" in bare


def cell_text(value: Any, number_format: str | None = None) -> str:
    """A cell's value as the text the centre types by the entry's data items (A17.1).

    Whole numbers are written without a fraction (Excel stores every number as a float); a date-time at midnight
    whose format shows no time is a date (YYYY-MM-DD), any other in ISO 8601; booleans as true/false.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None and not shows_time(number_format):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _sheet_rows(worksheet: Any) -> Iterator[tuple[int, list[str]]]:
    width: int | None = None
    # Rows missing from the sheet's XML come as empty rows, so numbering from 1 gives each its row number.
    for number, cells in enumerate(worksheet.iter_rows(min_row=1), start=1):
        texts = [cell_text(cell.value, getattr(cell, "number_format", None)) for cell in cells]
        if width is None:
            if any(text.strip() for text in texts):
                while texts and not texts[-1].strip():
                    texts.pop()
                width = len(texts)
        else:
            # Cells past the header's width that are empty are no cells; a row with values there keeps them (the
            # centre quarantines it for its number of fields).
            while len(texts) > width and not texts[-1]:
                texts.pop()
            texts.extend([""] * (width - len(texts)))
        yield number, texts


@contextmanager
def open_sheet(path: Path, sheet: str | None = None) -> Iterator[OpenedSheet]:
    """A sheet (by name, or the first) of the workbook at `path`, read as it is iterated."""
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(f"{path.name} cannot be read as an XLSX workbook: {exc}.") from exc
    try:
        if sheet is None:
            worksheet = workbook.worksheets[0]
        elif sheet in workbook.sheetnames:
            worksheet = workbook[sheet]
        else:
            raise SourceError(f"{path.name} has no sheet {sheet!r}; it has {workbook.sheetnames}.")
        declared = worksheet.max_row
        estimated = declared - 1 if isinstance(declared, int) and declared > 1 else None
        worksheet.reset_dimensions()
        yield OpenedSheet(_sheet_rows(worksheet), estimated)
    finally:
        workbook.close()
