"""Reading batches as they arrive, whatever the chunking: NDJSON, CSV, JSON arrays (A17.1)."""

from __future__ import annotations

import sys
import tracemalloc
from collections.abc import AsyncIterator, Callable, Sequence
from decimal import Decimal

import pytest

from aggregation_svc.ingest.formats import (
    MAX_RECORD_BYTES,
    Body,
    Row,
    csv_rows,
    format_of,
    json_rows,
    ndjson_rows,
)
from hub.errors import BadRequest, UnsupportedMediaType


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def rows(it: AsyncIterator[list[Row]]) -> list[Row]:
    return [row async for piece in it for row in piece]


def ignore(_: Sequence[str]) -> None:
    return None


@pytest.mark.parametrize("size", [1, 2, 5, 64, 10_000])
async def test_ndjson_rows_are_the_same_however_the_body_is_chunked(size: int) -> None:
    body = '\ufeff{"a": 1.10}\n\n[1]\n{broken\n{"b": "无锡"}'.encode()
    found = await rows(ndjson_rows(chunks(body, size)))
    assert [(r.number, r.values, r.problem is None) for r in found] == [
        (1, {"a": Decimal("1.10")}, True), (2, None, False), (3, None, False), (4, {"b": "无锡"}, True),
    ]  # fmt: skip
    assert found[1].problem == "a record is a JSON object"


@pytest.mark.parametrize("size", [1, 3, 7, 10_000])
async def test_csv_records_may_hold_quoted_line_breaks_and_empty_cells_are_no_value(size: int) -> None:
    body = '\ufeffid,name,note\r\n1,张三,"two\r\nlines ""quoted"""\r\n2,,x\r\n\r\n3,only two\r\n'.encode()
    headers: list[Sequence[str]] = []
    found = await rows(csv_rows(chunks(body, size), "utf-8-sig", headers.append))
    assert headers == [["id", "name", "note"]]
    assert found[0].values == {"id": "1", "name": "张三", "note": 'two\r\nlines "quoted"'}
    assert found[1].values == {"id": "2", "name": None, "note": "x"}
    assert (found[2].number, found[2].values, found[2].problem) == (3, None, "expected 3 fields, found 2")


async def test_csv_in_another_charset_is_decoded_by_its_content_type() -> None:
    batch_format = format_of("text/csv; charset=GBK")
    found = await rows(batch_format.rows(chunks("name\n无锡市\n".encode("gbk"), 3), ignore))
    assert found[0].values == {"name": "无锡市"}


async def test_a_csv_quote_that_never_closes_refuses_the_batch_once_past_the_record_cap() -> None:
    body = b'a\n"' + b"x" * (MAX_RECORD_BYTES + 10)
    with pytest.raises(BadRequest):
        await rows(csv_rows(chunks(body, 65536), "utf-8", ignore))


async def test_a_csv_header_naming_an_item_twice_is_refused() -> None:
    with pytest.raises(BadRequest):
        await rows(csv_rows(chunks(b"a,a\n1,2\n", 100), "utf-8", ignore))


@pytest.mark.parametrize("size", [1, 4, 10_000])
async def test_a_json_array_is_read_element_by_element(size: int) -> None:
    found = await rows(json_rows(chunks(b' [{"a": 1.50}, 2, {"b": "x"}] ', size)))
    assert [(r.number, r.values) for r in found] == [(1, {"a": Decimal("1.50")}), (2, None), (3, {"b": "x"})]


@pytest.mark.parametrize("body", [b'{"a": 1}', b'[{"a": 1}, {"a": ', b""])
async def test_a_json_body_that_is_no_array_or_breaks_off_refuses_the_batch(body: bytes) -> None:
    with pytest.raises(BadRequest):
        await rows(json_rows(chunks(body, 3)))


def test_only_the_bulk_formats_are_accepted() -> None:
    assert format_of("application/x-ndjson").name == "ndjson"
    assert format_of("application/json; charset=utf-8").name == "json"
    assert format_of("text/csv").from_text
    with pytest.raises(UnsupportedMediaType):
        format_of("application/xml")
    with pytest.raises(UnsupportedMediaType):
        format_of("text/csv; charset=klingon")


@pytest.mark.parametrize("charset", ["base64", "rot13", "zlib", "hex", "uu", "undefined", "unicode_escape", "idna"])
def test_a_codec_that_is_no_character_set_is_refused_as_a_media_type_not_crashing_A28_1(charset: str) -> None:
    # Python's codec registry knows them; they turn bytes into bytes or escapes into NUL, not text into text.
    with pytest.raises(UnsupportedMediaType):
        format_of(f"text/csv; charset={charset}")


async def test_a_csv_body_its_charset_cannot_decode_refuses_the_batch_not_crashing_A28_1() -> None:
    batch_format = format_of("text/csv; charset=utf-7")  # its decoder raises UnicodeError, not UnicodeDecodeError
    with pytest.raises(BadRequest, match="not utf-7 text"):
        await rows(batch_format.rows(chunks(b"name\n+\xff\n", 64), ignore))


async def test_a_body_is_hashed_as_it_is_read() -> None:
    body = Body(chunks(b"abc", 1))
    await body.drain()
    assert body.digest == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert body.size == 3


async def generated(rows: int, render: Callable[[int], bytes], head: bytes, tail: bytes) -> AsyncIterator[bytes]:
    yield head
    for start in range(0, rows, 500):
        yield b"".join(render(n) for n in range(start, min(start + 500, rows)))
    yield tail


@pytest.mark.parametrize("size", [1, 7, 4301, 65536])
async def test_a_json_batch_with_a_run_of_digits_longer_than_python_reads_is_refused_not_crashing_A17_1(
    size: int,
) -> None:
    """ijson's C parser crashes the process on an integer of more digits than Python converts: the run is refused
    before it reaches the parser, however the body is chunked."""
    limit = sys.get_int_max_str_digits()
    fits = b'[{"a": 1}, {"n": ' + b"9" * limit + b"}]"
    assert [row.number for row in await rows(json_rows(chunks(fits, size)))] == [1, 2]
    too_long = b'[{"a": 1}, {"n": ' + b"9" * (limit + 1) + b"}]"
    with pytest.raises(BadRequest, match=f"more than {limit} digits"):
        await rows(json_rows(chunks(too_long, size)))


@pytest.mark.parametrize("name", ["ndjson", "csv", "json"])
async def test_memory_stays_flat_whatever_the_batch_size_A17_1(name: str) -> None:
    """The parsers hold one chunk of the body and its rows: reading 100,000 rows (~8 MB) peaks far below it."""
    formats: dict[str, tuple[Callable[[int], bytes], bytes, bytes]] = {
        "ndjson": (lambda n: b'{"id_number": "%018d", "full_name": "name %d"}\n' % (n, n), b"", b""),
        "csv": (lambda n: b'%018d,"name %d"\n' % (n, n), b"id_number,full_name\n", b""),
        "json": (lambda n: b'%s{"id_number": "%018d", "name": "n%d"}' % (b"," if n else b"", n, n), b"[", b"]"),
    }
    render, head, tail = formats[name]
    batch_format = format_of({"ndjson": "application/x-ndjson", "csv": "text/csv", "json": "application/json"}[name])
    tracemalloc.start()
    try:
        count = 0
        async for piece in batch_format.rows(generated(100_000, render, head, tail), ignore):
            assert all(row.values is not None for row in piece)
            count += len(piece)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 1024 * 1024, f"{name}: peak {peak} bytes"
