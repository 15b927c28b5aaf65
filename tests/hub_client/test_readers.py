"""Reading files to ingest: each record with the line it starts on, sent so that the centre reads the same rows
(checked with the centre's own parser, aggregation_svc.ingest.formats), and what the centre could not take kept
back rather than sent (A17.1)."""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook  # type: ignore[import-untyped]

from aggregation_svc.ingest.formats import Row, csv_rows, ndjson_rows
from hub_client.errors import SourceError
from hub_client.readers import MAX_RECORD_BYTES, Source, SourceRecord, open_source
from hub_client.sheets import cell_text, shows_time


def read(path: Path, **options: Any) -> tuple[Source, list[SourceRecord]]:
    with open_source(path, **options) as source:
        return source, list(source.records)


async def _chunks(body: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(body), 7):  # small pieces: a record may straddle them
        yield body[start : start + 7]


def centre_rows(source: Source, records: Sequence[SourceRecord]) -> list[Row]:
    """The rows the centre reads from one batch of these records (its parser, not ours)."""
    body = source.header + b"".join(r.payload for r in records if r.problem is None)

    async def parse() -> list[Row]:
        pieces = csv_rows(_chunks(body), "utf-8", lambda _: None) if source.header else ndjson_rows(_chunks(body))
        return [row async for piece in pieces for row in piece]

    return asyncio.run(parse())


def test_csv_records_carry_the_line_they_start_on_and_the_centre_reads_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text(
        "\ufeffid_number,full_name,address\n"  # a BOM, as Excel writes
        '1,张三,"无锡市\n梁溪区"\n'  # a quoted field over two lines
        ",,\n"  # a row of blank cells: no record, as the centre skips it
        "\n"
        '2,李四,"say ""hi"""\n'
        "3,王五\n",  # too few fields: sent, for the centre to quarantine
        encoding="utf-8",
        newline="",
    )
    source, records = read(path)
    assert source.header == b"id_number,full_name,address\n"
    assert [r.line for r in records] == [2, 6, 7]
    rows = centre_rows(source, records)
    assert [row.number for row in rows] == [1, 2, 3]
    assert rows[0].values == {"id_number": "1", "full_name": "张三", "address": "无锡市\n梁溪区"}
    assert rows[1].values == {"id_number": "2", "full_name": "李四", "address": 'say "hi"'}
    assert rows[2].values is None
    assert rows[2].problem == "expected 3 fields, found 2"


def test_a_csv_record_is_sent_as_it_is_without_its_line_break(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b'id_number,note\r\n1,"two\r\nlines"\r\n2,  spaced  \r\n3,"open\r\n')
    source, records = read(path)
    assert source.header == b"id_number,note\n"
    assert [(r.line, r.payload, r.problem) for r in records] == [
        (2, b'1,"two\r\nlines"\n', None),
        (4, b"2,  spaced  \n", None),
        (5, b"", "a quoted field never ends"),  # kept back: the centre would take the rest of the file for it
    ]
    assert [row.values for row in centre_rows(source, records)] == [
        {"id_number": "1", "note": "two\r\nlines"},
        {"id_number": "2", "note": "  spaced  "},
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='a,"\n\r 张', max_size=60))
@example(" ,\r,\n")  # blank cells around a carriage return: a row for the centre (its parser refuses it), not blank
@example(',"",\n"",,\n')  # blank quoted cells: skipped by both
def test_the_client_reads_a_csv_into_the_records_the_centre_reads_from_it_in_the_same_order(body: str) -> None:
    content = ("a,b\n" + body).encode("utf-8")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "any.csv"
        path.write_bytes(content)
        _, records = read(path)

    async def parse_whole_file() -> list[Row]:
        return [row async for piece in csv_rows(_chunks(content), "utf-8", lambda _: None) for row in piece]

    rows = asyncio.run(parse_whole_file())
    assert len(records) == len(rows)
    for record, row in zip(records, rows, strict=True):
        if record.problem is None:
            assert record.payload.decode().removesuffix("\n") == row.source
        else:
            assert row.values is None  # kept back by the client, quarantined by the centre


def test_a_csv_in_gb18030_is_sent_as_utf_8(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("id_number,full_name\n1,张三\n".encode("gb18030"))
    source, records = read(path, encoding="gb18030")
    assert source.content_type == "text/csv; charset=utf-8"
    assert centre_rows(source, records)[0].values == {"id_number": "1", "full_name": "张三"}
    with pytest.raises(SourceError, match="not utf-8-sig text"):
        read(path)


@pytest.mark.parametrize(
    ("header", "reason"),
    [("id_number,,age\n", "none blank"), ("id_number,age, age\n", "each item once"), ("\n\n", "no header")],
)
def test_a_header_the_centre_would_refuse_for_every_batch_stops_before_anything_is_sent(
    tmp_path: Path, header: str, reason: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(header + "1,2,3\n" if header.strip() else header, encoding="utf-8")
    with pytest.raises(SourceError, match=reason):
        read(path)


def test_ndjson_lines_are_sent_as_they_are_and_blank_lines_are_skipped_as_the_centre_skips_them(tmp_path: Path) -> None:
    path = tmp_path / "people.ndjson"
    path.write_bytes(b'\xef\xbb\xbf{"id_number": "1", "amount": 12.50}\r\n\n   \n{"id_number": "2"}\nnot json')
    source, records = read(path)
    assert (source.content_type, source.header) == ("application/x-ndjson", b"")
    assert [(r.line, r.payload) for r in records] == [
        (1, b'{"id_number": "1", "amount": 12.50}\n'),
        (4, b'{"id_number": "2"}\n'),
        (5, b"not json\n"),
    ]
    rows = centre_rows(source, records)
    assert [row.number for row in rows] == [1, 2, 3]
    assert rows[0].values is not None
    assert str(rows[0].values["amount"]) == "12.50"  # exact digits: the line is sent as it is
    assert rows[2].values is None


def test_a_record_longer_than_the_centre_takes_is_kept_back_not_sent(tmp_path: Path) -> None:
    path = tmp_path / "long.ndjson"
    long_value = "x" * (MAX_RECORD_BYTES + 10)
    path.write_text(json.dumps({"a": 1}) + "\n" + json.dumps({"a": long_value}) + "\n" + json.dumps({"a": 3}) + "\n")
    _, records = read(path)
    assert [(r.line, r.problem is None) for r in records] == [(1, True), (2, False), (3, True)]
    assert records[1].payload == b""
    assert records[1].problem == f"longer than {MAX_RECORD_BYTES} bytes"
    csv_path = tmp_path / "long.csv"
    csv_path.write_text(f"a,b\n1,2\n3,{'y' * (MAX_RECORD_BYTES + 1)}\n", encoding="utf-8")
    _, csv_records = read(csv_path)
    assert [r.problem is None for r in csv_records] == [True, False]


def test_an_unknown_extension_or_encoding_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("a\n1\n")
    with pytest.raises(SourceError, match=r"\.csv, \.ndjson"):
        read(tmp_path / "data.txt")
    (tmp_path / "data.csv").write_text("a\n1\n")
    with pytest.raises(SourceError, match="Unknown encoding"):
        read(tmp_path / "data.csv", encoding="no-such-codec")


@pytest.mark.parametrize(
    ("value", "number_format", "text"),
    [
        (None, "General", ""),
        (42, "General", "42"),
        (42.0, "General", "42"),  # Excel keeps every number as a float
        (2.5, "0.00", "2.5"),
        (True, "General", "true"),
        (datetime(2024, 1, 31), "yyyy-mm-dd", "2024-01-31"),
        (datetime(2024, 1, 31), "yyyy-mm-dd hh:mm", "2024-01-31T00:00:00"),
        (datetime(2024, 1, 31, 8, 30), "yyyy-mm-dd", "2024-01-31T08:30:00"),  # a time is never dropped
        (date(2024, 1, 31), "General", "2024-01-31"),
        (time(8, 30), "h:mm", "08:30:00"),
        ("  张三 ", "@", "  张三 "),
    ],
)
def test_a_cell_is_sent_as_the_text_the_centre_types_A17_1(value: object, number_format: str, text: str) -> None:
    assert cell_text(value, number_format) == text


def test_a_number_format_shows_a_time_only_with_hours_or_seconds_outside_literals() -> None:
    assert shows_time("yyyy/m/d h:mm")
    assert shows_time('[$-804]yyyy"年"m"月"d"日" hh:mm:ss')
    assert not shows_time('[$-804]yyyy"年"m"月"d"日"')
    assert not shows_time('dd "hours"')
    assert not shows_time(None)


def test_a_sheet_is_read_by_row_number_with_ragged_rows_padded_to_the_header(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "people"
    sheet.append([])  # a blank first row: the header is the first row with a name
    sheet.append(["id_number", "full_name", "age", "registered_on", None])
    sheet.append(["320200199000000001", "张三", 30, date(2024, 1, 31)])
    sheet.append([None, None, None, None])
    sheet.cell(row=6, column=1, value="320200199000000002")
    sheet.cell(row=6, column=3, value=41.0)
    sheet.cell(row=7, column=1, value="320200199000000003")
    sheet.cell(row=7, column=6, value="beyond the header")
    other = workbook.create_sheet("other")
    other.append(["code"])
    other.append(["x"])
    path = tmp_path / "people.xlsx"
    workbook.save(path)

    source, records = read(path)
    assert source.header == b"id_number,full_name,age,registered_on\n"
    assert [r.line for r in records] == [3, 6, 7]
    rows = centre_rows(source, records)
    assert rows[0].values == {"id_number": "320200199000000001", "full_name": "张三", "age": "30",
                              "registered_on": "2024-01-31"}  # fmt: skip
    assert rows[1].values == {"id_number": "320200199000000002", "full_name": None, "age": "41",
                              "registered_on": None}  # fmt: skip
    assert rows[2].problem == "expected 4 fields, found 6"
    other_source, other_records = read(path, sheet="other")
    assert (other_source.header, [r.line for r in other_records]) == (b"code\n", [2])
    with pytest.raises(SourceError, match="no sheet 'missing'"):
        read(path, sheet="missing")


def test_a_file_that_is_not_a_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_bytes(b"id_number\n1\n")
    with pytest.raises(SourceError, match="cannot be read as an XLSX workbook"):
        read(path)
