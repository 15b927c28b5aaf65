"""A dataset's records as a streamed XLSX workbook (A24.1): read back by openpyxl and Python's zipfile (independent
readers), every value as it was, no text a formula, as many sheets as the rows need, bytes out before the rows end."""

from __future__ import annotations

import io
import secrets
import zipfile
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from hub import xlsx_stream as xlsx

HEADER = ["name", "amount", "note"]
ROWS: list[list[Any]] = [
    ["=1+2", 3, None],
    ["+86 510", -4.5, {"nested": ["值"]}],
    ["@x", True, "-1"],
    ["普通文本", 10**18, "\x01bell\x02=SUM(A1)"],
    ["  a<b & c]]>  ", 0.00001, False],
    ["", 123456789012345, 1e15],
]


async def _pages(rows: Sequence[Sequence[Any]], page: int = 2) -> AsyncIterator[Sequence[Sequence[Any]]]:
    for start in range(0, len(rows), page):
        yield rows[start : start + page]


async def workbook_bytes(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> bytes:
    return b"".join([chunk async for chunk in xlsx.xlsx_chunks(header, _pages(rows), len(rows))])


def read_back(data: bytes) -> list[list[list[Any]]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None  # every part's CRC checks
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [[list(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]
    finally:
        workbook.close()


async def test_xlsx_holds_every_value_text_never_a_formula_and_large_numbers_exactly() -> None:
    [sheet] = read_back(await workbook_bytes(HEADER, ROWS))
    assert sheet[0] == HEADER
    assert sheet[1] == ["'=1+2", 3, None]
    assert sheet[2] == ["'+86 510", -4.5, '{"nested": ["值"]}']
    assert sheet[3] == ["'@x", True, "'-1"]
    # Characters XML cannot carry are dropped, and what then starts a formula is neutralised; a number beyond 15
    # significant digits stays exact as text.
    assert sheet[4] == ["普通文本", str(10**18), "bell=SUM(A1)"]
    # Markup characters and surrounding spaces come back as they were.
    assert sheet[5] == ["  a<b & c]]>  ", 0.00001, False]
    assert sheet[6] == ["", 123456789012345, "1000000000000000.0"]


async def test_the_header_is_bold_and_frozen_and_columns_past_z_are_addressed() -> None:
    header = [f"列{i}" for i in range(30)]
    data = await workbook_bytes(header, [list(range(30))])
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b
    assert not sheet["A2"].font.b
    assert sheet["AD1"].value == "列29"
    assert sheet["AD2"].value == 29
    assert [c.value for c in sheet[2]] == list(range(30))


@pytest.mark.parametrize(
    ("records", "expected"),
    [
        (5, [[["n"], [0], [1]], [["n"], [2], [3]], [["n"], [4]]]),
        (4, [[["n"], [0], [1]], [["n"], [2], [3]]]),  # exactly full sheets: no empty one after them
    ],
)
async def test_xlsx_continues_on_a_new_sheet_when_one_is_full(
    monkeypatch: pytest.MonkeyPatch, records: int, expected: list[Any]
) -> None:
    monkeypatch.setattr(xlsx, "SHEET_ROWS", 3)  # a header and two rows a sheet
    sheets = read_back(await workbook_bytes(["n"], [[i] for i in range(records)]))
    assert sheets == expected
    names = load_workbook(io.BytesIO(await workbook_bytes(["n"], [[i] for i in range(records)]))).sheetnames
    assert names == ["data", "data2", "data3"][: len(expected)]


async def test_an_empty_xlsx_has_its_header() -> None:
    assert read_back(await workbook_bytes(HEADER, [])) == [[HEADER]]


async def test_bytes_flow_before_the_rows_are_all_read() -> None:
    """A download of any size starts at once: the first chunks leave while most pages are still unread."""
    pages_read = 0
    total_pages = 100

    async def pages() -> AsyncIterator[Sequence[Sequence[Any]]]:
        nonlocal pages_read
        for _ in range(total_pages):
            pages_read += 1
            yield [[secrets.token_hex(32), i] for i in range(500)]  # random text: it does not compress away

    chunks = xlsx.xlsx_chunks(["text", "n"], pages(), total_pages * 500)
    read_at_first_chunks = []
    async for _chunk in chunks:
        read_at_first_chunks.append(pages_read)
        if len(read_at_first_chunks) == 3:
            break
    await chunks.aclose()  # type: ignore[attr-defined]
    assert read_at_first_chunks[-1] < total_pages / 4
