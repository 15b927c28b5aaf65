"""The ingest's fast paths give what the general rule they shortcut gives, for any input (A17.1): decimals already in
their stored form, ASCII dates, digits counted by length, JSON written by orjson, NDJSON read by orjson. Each
reference below is the general rule written out with the standard library, not the code under test."""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aggregation_svc.ingest.formats import ndjson_rows
from aggregation_svc.ingest.rules import (
    _DECIMAL,
    MAX_DECIMAL_DIGITS,
    RecordRules,
    canonical_json,
    compact_json,
    length_problem,
    typed_value,
)
from hub.contracts.catalog import DataItemSpec


def item(name: str = "x", data_type: str = "string", **fields: Any) -> DataItemSpec:
    return DataItemSpec(name=name, label=name, data_type=data_type, **fields)


DECIMAL, DATE = item(data_type="decimal"), item(data_type="date")

digits = st.text("0123456789", max_size=22)
# Around the most digits a decimal may have written out: on either side of it, whichever path checks the text.
many_digits = st.integers(MAX_DECIMAL_DIGITS - 3, MAX_DECIMAL_DIGITS + 3).map(lambda n: "1" * n)
spaces = st.sampled_from(["", " ", "  ", "\t", " \r\n", "\u3000"])


@st.composite
def decimal_texts(draw: st.DrawFn) -> str:
    """Text shaped like a decimal: sign, digits with leading zeros, fraction, exponent, spaces around; some of it
    is not one (no digits at all, a lone point)."""
    sign = draw(st.sampled_from(["", "-", "+"]))
    whole = draw(st.one_of(digits, digits, digits, many_digits))
    fraction = draw(st.none() | digits | many_digits)
    exponent = draw(st.none() | st.tuples(st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), digits))
    text = sign + whole + ("" if fraction is None else "." + fraction)
    if exponent is not None:
        mark, exponent_sign, exponent_digits = exponent
        text += mark + exponent_sign + exponent_digits[:3]  # an exponent of up to 999: the text stays short
    return draw(spaces) + text + draw(spaces)


def written_digits(written: str) -> int:
    """The digits of a decimal written out, a lone zero before its point not counted ("0.5" has one)."""
    unsigned = written.removeprefix("-")
    return sum(ch.isdigit() for ch in unsigned) - unsigned.startswith("0.")


def stored_decimal(text: str) -> str | None:
    """The general rule: what the text means as a finite decimal, written out without exponent; None if it is not
    one, or if written out it has more than MAX_DECIMAL_DIGITS digits."""
    text = text.strip()
    if not _DECIMAL.match(text):
        return None
    number = Decimal(text)
    if not number.is_finite():
        return None
    written = format(number, "f")
    return written if written_digits(written) <= MAX_DECIMAL_DIGITS else None


@given(text=decimal_texts() | st.text(max_size=30), from_text=st.booleans())
@example(text="-0", from_text=True)
@example(text="-0.0", from_text=False)
@example(text="007.50", from_text=True)
@example(text="+1", from_text=False)
@example(text="1.", from_text=True)
@example(text=".5", from_text=True)
@example(text="1e3", from_text=True)
@example(text="1.5\n", from_text=True)
@example(text="٣.٥", from_text=True)  # Arabic-Indic digits: \d matches them, Decimal reads them
@example(text="1_000", from_text=True)
@example(text="NaN", from_text=False)
@example(text="123456789012345678901234567890.123456789012345678901234567890", from_text=True)
@example(text="1" * MAX_DECIMAL_DIGITS, from_text=True)
@example(text=" " + "1" * (MAX_DECIMAL_DIGITS + 1), from_text=True)
@example(text="1" * (MAX_DECIMAL_DIGITS + 1), from_text=True)  # in its stored form already: the shortcut's case
def test_a_decimal_text_is_stored_as_the_general_rule_writes_it_A17_1(text: str, from_text: bool) -> None:
    expected = stored_decimal(text)
    value, problem = typed_value(DECIMAL, text, from_text=from_text)
    if expected is None:
        assert value is None
        assert problem
    else:
        assert (value, problem) == (expected, None)


@given(day=st.dates(), before=spaces, after=spaces, from_text=st.booleans())
def test_a_date_written_yyyy_mm_dd_is_stored_in_its_iso_form_A17_1(
    day: date, before: str, after: str, from_text: bool
) -> None:
    text = before + day.isoformat() + after
    assert typed_value(DATE, text, from_text=from_text) == (date.fromisoformat(text.strip()).isoformat(), None)


_ASCII_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def stored_date(text: str) -> str | None:
    text = text.strip()
    if not _ASCII_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


date_like = st.builds(
    lambda y, m, d, sep: f"{y:04d}{sep}{m:02d}{sep}{d:02d}",
    st.integers(0, 9999), st.integers(0, 14), st.integers(0, 33), st.sampled_from(["-", "-", "/", ""]),
)  # fmt: skip


@given(text=date_like | st.text(max_size=12), from_text=st.booleans())
def test_a_date_is_stored_only_if_it_is_an_ascii_yyyy_mm_dd_calendar_date_A17_1(text: str, from_text: bool) -> None:
    expected = stored_date(text)
    value, problem = typed_value(DATE, text, from_text=from_text)
    if expected is None:
        assert value is None
        assert problem
    else:
        assert (value, problem) == (expected, None)


NOT_DATES = ["2025-02-30", "2025-13-01", "2025-00-10", "0000-01-01", "20250101", "2025-1-01", "2025/01/01",
             "2025-01-01T00", "２０２５-０１-０１", "٢٠٢٥-٠١-٠١", "2025-01-01\n1"]  # fmt: skip


@pytest.mark.parametrize("text", NOT_DATES)
def test_a_date_that_is_not_a_calendar_date_in_ascii_yyyy_mm_dd_is_refused_A17_1(text: str) -> None:
    value, problem = typed_value(DATE, text, from_text=True)
    assert value is None
    assert problem == "expected a date, YYYY-MM-DD"


def counted_digits(value: Any) -> int:
    return sum(ch.isdigit() for ch in str(value))


def length_problems(data_type: str, value: Any) -> list[str | None]:
    """What `length_problem` says at the length the value's digits need, one above it and one below it."""
    digits = counted_digits(value)
    return [
        length_problem(item(data_type=data_type, length=length), value) for length in (digits, digits + 1, digits - 1)
    ]


big_integers = st.integers() | st.integers(-(10**80), 10**80) | st.sampled_from([2**63, -(2**63) - 1, 2**64, -(10**40)])
stored_decimals = (
    (decimal_texts() | st.text("-.0123456789", max_size=12)).map(stored_decimal).filter(lambda value: value is not None)
)


@given(value=big_integers)
@example(value=0)
@example(value=-7)
def test_the_length_of_an_integer_counts_its_digits_A17_1(value: int) -> None:
    digits = counted_digits(value)
    assert length_problems("integer", value) == [None, None, f"more than {digits - 1} digits"]


@given(value=stored_decimals)
@example(value="-0")
@example(value="-0.05")
@example(value="0.000")
def test_the_length_of_a_decimal_counts_the_digits_of_its_stored_form_A17_1(value: str) -> None:
    digits = counted_digits(value)
    assert length_problems("decimal", value) == [None, None, f"more than {digits - 1} digits"]


texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)  # any text PostgreSQL stores
scalars = (
    texts
    | st.integers()
    | st.sampled_from([2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1, 10**40, -(10**40)])
    | st.booleans()
)


@given(value=st.lists(scalars, max_size=8))
@example(value=['\x00\x1f\x7f\b\f\n\r\t"\\/\u2028\u2029\ufeff😀无锡'])
@example(value=[2**64, "x", True])
def test_compact_json_writes_what_json_writes_A17_1(value: list[Any]) -> None:
    assert compact_json(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))


key_values = texts | st.integers() | st.booleans() | stored_decimals | st.dates().map(date.isoformat)


item_names = st.lists(st.from_regex(r"[a-z][a-z0-9_]{0,5}", fullmatch=True), min_size=1, max_size=6, unique=True)


@given(names=item_names, data=st.data())
def test_a_record_is_keyed_by_the_canonical_json_of_its_key_values_A17_1(names: list[str], data: st.DataObject) -> None:
    """Keys written by orjson are the keys json wrote before it: records stored then still upsert by them."""
    keyed = data.draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)).filter(any))
    items = [item(name, key=key, required=key) for name, key in zip(names, keyed, strict=True)]
    record = {name: data.draw(key_values) for name in reversed(names)}  # the record's order is not the items'
    expected = canonical_json([record[i.name] for i in items if i.key])
    assert RecordRules(items, from_text=False).key(record) == expected


# JSON text, built token by token so that numbers are written as systems write them (many digits, exponents, beyond
# 64 bits, beyond a double) and strings may hold escapes no str can be dumped from (lone surrogates).
number_texts = (
    st.integers().map(str)
    | st.integers(-(10**40), 10**40).map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
    | st.floats(allow_nan=False, allow_infinity=False).map(lambda f: f"{f:.40g}")
    | st.decimals(min_value=-(10**20), max_value=10**20, allow_nan=False, allow_infinity=False).map(str)
    | st.sampled_from(["1e400", "-1e400", "1E-400", "-0", "-0.0", "1.10", "0.1000000000000000055511151231257827",
                       "18446744073709551616", "-9223372036854775809", "1" * 5000])
)  # fmt: skip
dumped_texts = st.tuples(st.text(max_size=8), st.booleans()).map(lambda s: json.dumps(s[0], ensure_ascii=s[1]))
string_texts = dumped_texts | st.sampled_from(
    ['"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"']
)
json_texts = st.recursive(
    number_texts | string_texts | st.sampled_from(["true", "false", "null"]),
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.lists(st.tuples(string_texts, inner), max_size=4).map(
            lambda members: "{" + ", ".join(f"{k}: {v}" for k, v in members) + "}"
        )
    ),
    max_leaves=10,
)
object_lines = st.lists(st.tuples(string_texts, json_texts), max_size=5).map(
    lambda members: ("{" + ",".join(f"{k}:{v}" for k, v in members) + "}").encode()
)
other_lines = (
    json_texts.map(str.encode)  # JSON, but not an object
    | object_lines.map(lambda line: line[: len(line) // 2])  # broken off
    | st.text(max_size=20).map(lambda s: s.replace("\n", " ").encode())
    | st.sampled_from([b"\xff{}", b'{"a": "\xc3"}', b'{"a": NaN}', b'{"a": -Infinity}', b"{'a': 1}"])
).filter(lambda line: line.strip() != b"" and not line.startswith(codecs.BOM_UTF8))  # a BOM is no part of a row


def no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def read_as_json(line: bytes) -> dict[str, Any] | None:
    """The general rule, as lines were read before orjson: what json reads the line as, numbers with a fraction or
    exponent as exact decimals, NaN and Infinity refused; None if it is no JSON object."""
    try:
        value = json.loads(line.decode("utf-8"), parse_float=Decimal, parse_constant=no_constant)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def tagged(value: Any) -> Any:
    """The value with the type of everything in it, so that 1.5 (a float) and Decimal("1.5") are not the same."""
    if isinstance(value, dict):
        return ("object", {key: tagged(member) for key, member in value.items()})
    if isinstance(value, list):
        return ("array", [tagged(member) for member in value])
    return (type(value).__name__, str(value))


async def pieces(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@given(lines=st.lists(object_lines | other_lines, min_size=1, max_size=6), size=st.integers(1, 64))
@example(lines=[b'{"a": 1.10, "b": 123456789012345678901234567890, "c": 1e400, "d": "\\ud800"}'], size=64)
@example(lines=[b'{"a": 0.1000000000000000055511151231257827, "b": -0.0}'], size=7)
@example(lines=[b'{"a": [1.10]}'], size=64)
@example(lines=[b'{"a": {"b": 123456789012345678901234567890}}'], size=64)
async def test_an_ndjson_line_means_what_json_reads_it_as_A17_1(lines: list[bytes], size: int) -> None:
    found = [row async for piece in ndjson_rows(pieces(b"\n".join(lines), size)) for row in piece]
    assert [row.number for row in found] == list(range(1, len(lines) + 1))
    for line, found_row in zip(lines, found, strict=True):
        expected = read_as_json(line)
        if expected is None:
            assert (found_row.values, found_row.source) == (None, line)
            assert found_row.problem
        else:
            assert found_row.problem is None
            assert tagged(found_row.values) == tagged(expected), line


async def test_an_ndjson_line_nested_too_deep_for_json_is_a_row_with_a_problem_A17_1() -> None:
    """json gives up on deep nesting with a RecursionError: the line is unreadable, not the batch."""
    deep = b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    found = [row async for piece in ndjson_rows(pieces(b'{"a": 1}\n' + deep + b'\n{"a": 2}', 65536)) for row in piece]
    assert [(row.number, row.values) for row in found] == [(1, {"a": 1}), (2, None), (3, {"a": 2})]
    assert found[1].problem


def test_integer_text_beyond_pythons_digit_limit_is_refused_not_raised_A17_1() -> None:
    """int() refuses text of more than 4300 digits with a ValueError: the value is invalid, not the batch."""
    value, problem = typed_value(item(data_type="integer"), "1" * 5000, from_text=True)
    assert value is None
    assert problem


def test_a_decimal_too_long_to_write_out_is_refused_not_raised_A17_1() -> None:
    """Written without exponent this would be 10**18 digits: decimal raises MemoryError on it at once."""
    value, problem = typed_value(DECIMAL, "1e999999999999999999", from_text=True)
    assert value is None
    assert problem
