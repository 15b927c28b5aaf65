"""A dataset's records as CSV and JSON (A24.1): every value back as it was, no text ever a formula in a
spreadsheet (hub.spreadsheets). XLSX is in test_xlsx.py."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest

from hub.spreadsheets import restore_formula_text
from open_svc.downloads import formats
from open_svc.downloads.formats import CsvChunks, JsonChunks

HEADER = ["name", "amount", "note"]
ROWS: list[list[Any]] = [
    ["=1+2", 3, None],
    ["+86 510", -4.5, {"nested": ["值"]}],
    ["@x", True, "-1"],
    ["普通文本", 10**18, "\x01bell\x02=SUM(A1)"],
]


def test_csv_neutralises_formula_text_keeps_numbers_and_restores_to_the_values() -> None:
    out = CsvChunks(HEADER)
    body = b"".join(out.write(row) for row in ROWS) + out.take()
    text = body.decode()
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:], newline="")))
    assert table[0] == HEADER
    assert table[1] == ["'=1+2", "3", ""]
    assert table[2] == ["'+86 510", "-4.5", '{"nested": ["值"]}']
    assert table[3] == ["'@x", "True", "'-1"]
    assert [restore_formula_text(c) for c in table[4]] == ["普通文本", str(10**18), "\x01bell\x02=SUM(A1)"]


def test_csv_comes_in_chunks_as_rows_are_written() -> None:
    out = CsvChunks(HEADER)
    chunks = [c for c in (out.write(["文本" * 500, i, None]) for i in range(200)) if c]
    assert len(chunks) >= 2
    assert all(len(c) >= formats.CHUNK_BYTES for c in chunks)


@pytest.mark.parametrize("count", [0, 1, 3000])
def test_json_is_an_array_of_every_record(count: int) -> None:
    out = JsonChunks()
    records = [{"name": f"记录{i}", "amount": i, "note": None} for i in range(count)]
    body = b"".join(out.write(r) for r in records) + out.end()
    assert json.loads(body) == records
