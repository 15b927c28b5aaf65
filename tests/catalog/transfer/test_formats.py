"""Reading and writing the catalogue table as CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from catalog_svc.transfer import formats
from catalog_svc.transfer.schemas import FileFormat
from hub.errors import InvalidInput, UnsupportedMediaType
from hub.media import text_charset


def test_csv_with_a_byte_order_mark_reads_its_header_cleanly() -> None:
    data = "\ufeffcode,name\n01-02/000001,人口\n".encode()
    assert list(formats.csv_rows(io.BytesIO(data), "utf-8-sig")) == [["code", "name"], ["01-02/000001", "人口"]]


def test_csv_saved_by_excel_in_gbk_reads_with_its_charset() -> None:
    data = "code,name\n01-02/000001,人口\n".encode("gb18030")
    charset = text_charset("text/csv; charset=GB18030")
    assert list(formats.csv_rows(io.BytesIO(data), charset))[1] == ["01-02/000001", "人口"]


def test_csv_that_is_not_utf8_is_refused_with_a_hint() -> None:
    data = "code,name\n01-02/000001,人口\n".encode("gb18030")
    with pytest.raises(InvalidInput, match="gb18030"):
        list(formats.csv_rows(io.BytesIO(data), text_charset("text/csv")))


def test_csv_its_charset_cannot_decode_is_refused_not_a_crash_A28_1() -> None:
    # UTF-7's decoder raises UnicodeError, not UnicodeDecodeError.
    with pytest.raises(InvalidInput, match="utf-7"):
        list(formats.csv_rows(io.BytesIO(b"code\n+\xff\n"), text_charset("text/csv; charset=utf-7")))


def test_the_format_comes_from_the_query_else_the_content_type() -> None:
    assert formats.upload_format(FileFormat.xlsx, "text/csv") == FileFormat.xlsx
    assert formats.upload_format(None, "text/csv; charset=utf-8") == FileFormat.csv
    assert formats.upload_format(None, formats.XLSX_TYPE) == FileFormat.xlsx
    with pytest.raises(UnsupportedMediaType):
        formats.upload_format(None, "application/json")
    with pytest.raises(UnsupportedMediaType):
        text_charset("text/csv; charset=klingon")


def test_a_workbook_written_row_by_row_reads_back_and_text_never_becomes_a_formula() -> None:
    writer = formats.XlsxWriter(["code", "summary", "item_length"])
    writer.write(["01-02/000001", '=HYPERLINK("http://evil")', 18])
    writer.write(["01-02/000002", "人口\x07", None])
    with writer.save() as file:
        data = file.read()
    rows = list(formats.xlsx_rows(io.BytesIO(data)))
    assert rows[0] == ("code", "summary", "item_length")
    assert rows[1] == ("01-02/000001", '=HYPERLINK("http://evil")', 18)
    assert rows[2][1] == "人口"
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet["B2"].data_type == "s"


def test_a_body_that_is_not_a_workbook_is_refused() -> None:
    with pytest.raises(InvalidInput, match="XLSX"):
        list(formats.xlsx_rows(io.BytesIO(b"code,name\n")))


async def _chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def test_an_upload_is_read_whole_and_refused_past_its_limit() -> None:
    assert await formats.read_upload(_chunks(b"abc", b"def"), limit=10) == b"abcdef"
    with pytest.raises(InvalidInput):
        await formats.read_upload(_chunks(b"abcdef", b"ghijkl"), limit=10)


def test_csv_export_chunks_carry_a_byte_order_mark_once() -> None:
    writer = formats.CsvWriter()
    writer.write(["code", "name"])
    assert writer.take() == b""
    writer.write(["01-02/000001", None])
    assert writer.take(0).decode() == "\ufeffcode,name\r\n01-02/000001,\r\n"
    assert writer.take(0) == b""


def test_csv_export_cells_a_spreadsheet_would_run_as_formulas_start_with_an_apostrophe_A28_1() -> None:
    writer = formats.CsvWriter()
    writer.write(["01-02/000001", "=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=x", "\r=x", "人口", 18])
    written = list(csv.reader(io.StringIO(writer.take(0).decode("utf-8-sig"), newline="")))
    assert written == [["01-02/000001", "'=1+2", "'+SUM(A1)", "'-2+3", "'@cmd", "'\t=x", "'\r=x", "人口", "18"]]


def test_csv_import_reads_a_neutralised_cell_as_its_value_so_an_export_reimports_unchanged() -> None:
    writer = formats.CsvWriter()
    writer.write(["code", "name", "summary", "tags"])
    writer.write(["01-02/000001", '=HYPERLINK("http://evil.example")', "-2+3", "'abc"])
    rows = list(formats.csv_rows(io.BytesIO(writer.take(0)), "utf-8-sig"))
    assert rows == [["code", "name", "summary", "tags"], ["01-02/000001", '=HYPERLINK("http://evil.example")', "-2+3",
                                                          "'abc"]]  # fmt: skip
