"""The fingerprint's marks never change a value (A21.1): a marked decimal is the same Decimal and fits its item's
length, a marked datetime the same instant in the same zone, and the centre's own rules take it back as valid;
other types are never touched. Expected values come from the standard library (Decimal, datetime) and the centre's
ingest rules, and the spelling tables below are written out by hand."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregation_svc.fingerprint.marks import (
    Spelling,
    choices,
    datetime_spelling,
    decimal_spelling,
    mark_record,
    mark_records,
)
from aggregation_svc.ingest.rules import length_problem, typed_value
from hub.contracts.catalog import DataItemSpec


def item(name: str = "x", data_type: str = "string", **fields: Any) -> DataItemSpec:
    return DataItemSpec(name=name, label=name, data_type=data_type, **fields)


KEY, OTHER_KEY = bytes(range(32)), bytes(range(1, 33))
keys = st.binary(min_size=32, max_size=32)


@st.composite
def stored_decimals(draw: st.DrawFn) -> tuple[DataItemSpec, str]:
    """A decimal item of some declared length and a value of it as the centre stores it (ingest.rules)."""
    length = draw(st.one_of(st.none(), st.integers(1, 30)))
    room = 30 if length is None else length
    whole = draw(st.integers(1, room))
    fraction = draw(st.integers(0, room - whole))
    text = draw(st.sampled_from(["", "-"])) + draw(st.text("0123456789", min_size=whole, max_size=whole))
    if fraction:
        text += "." + draw(st.text("0123456789", min_size=fraction, max_size=fraction))
    spec = item(data_type="decimal", length=length)
    stored, problem = typed_value(spec, text, from_text=True)
    assert problem is None
    return spec, stored


microseconds = st.one_of(st.just(0), st.integers(0, 999).map(lambda ms: ms * 1000), st.integers(0, 999_999))
zones = st.one_of(st.none(), st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m))))


@st.composite
def stored_datetimes(draw: st.DrawFn) -> str:
    """A datetime as the centre stores it: the ingest rule's form of ISO text (its isoformat)."""
    moment = draw(st.datetimes(timezones=zones)).replace(microsecond=draw(microseconds))
    text = moment.isoformat(sep=draw(st.sampled_from(["T", " "])))
    stored, problem = typed_value(item(data_type="datetime"), text, from_text=True)
    assert problem is None
    return str(stored)


@given(stored_decimals(), keys)
def test_a_marked_decimal_is_the_same_number_within_its_declared_length_A21_1(
    case: tuple[DataItemSpec, str], key: bytes
) -> None:
    spec, stored = case
    marked = mark_record({"x": stored}, [spec], key)["x"]
    assert Decimal(marked) == Decimal(stored)
    assert length_problem(spec, marked) is None
    # The centre's own rule reads it back as a valid value of the item, unchanged.
    assert typed_value(spec, marked, from_text=True) == (marked, None)


@given(stored_datetimes(), keys)
def test_a_marked_datetime_is_the_same_instant_in_the_same_zone_A21_1(stored: str, key: bytes) -> None:
    marked = mark_record({"x": stored}, [item(data_type="datetime")], key)["x"]
    original, parsed = datetime.fromisoformat(stored), datetime.fromisoformat(marked)
    assert parsed == original
    assert parsed.utcoffset() == original.utcoffset()
    assert (parsed.tzinfo is None) == (original.tzinfo is None)
    # The fraction's digits are the only change.
    assert re.sub(r"\.[0-9]+", "", marked) == re.sub(r"\.[0-9]+", "", stored)
    assert typed_value(item(data_type="datetime"), marked, from_text=True) == (stored, None)


@given(stored_decimals(), keys)
def test_a_marked_value_is_one_of_the_spellings_its_value_allows_A21_1(
    case: tuple[DataItemSpec, str], key: bytes
) -> None:
    spec, stored = case
    marked = mark_record({"x": stored}, [spec], key)["x"]
    found = decimal_spelling(stored, spec.length)
    assert found is not None
    assert marked in choices(spec, found.canonical)


@given(
    st.text(max_size=20),
    st.integers(),
    st.booleans(),
    st.dates().map(lambda d: d.isoformat()),
    keys,
)
def test_strings_integers_booleans_and_dates_are_never_changed_A21_1(
    text: str, number: int, flag: bool, day: str, key: bytes
) -> None:
    spec = [item("s"), item("i", "integer"), item("b", "boolean"), item("d", "date")]
    record = {"s": text, "i": number, "b": flag, "d": day}
    assert mark_record(record, spec, key) == record


def test_decimal_looking_text_of_a_string_item_and_undeclared_fields_are_not_marked_A21_1() -> None:
    spec = [item("code"), item("amount", "decimal")]
    marked = [
        mark_record({"code": "12.5", "amount": "12.5", "extra": "12.5"}, spec, bytes([k]) * 32) for k in range(40)
    ]
    assert {m["code"] for m in marked} == {"12.5"}
    assert {m["extra"] for m in marked} == {"12.5"}
    assert {m["amount"] for m in marked} == {"12.5", "12.50", "12.500", "12.5000"}


def test_blank_and_non_text_values_of_marked_items_pass_unchanged_A21_1() -> None:
    spec = [item("a", "decimal"), item("t", "datetime")]
    for value in (None, 12, 1.5, "", "n/a", "1e3", "+1.5", "2024-05-01"):
        assert mark_record({"a": value, "t": value}, spec, KEY) == {"a": value, "t": value}


@pytest.mark.parametrize(
    ("canonical", "length", "expected"),
    [
        ("12.5", None, ["12.5", "12.50", "12.500", "12.5000"]),
        ("12", None, ["12", "12.0", "12.00", "12.000"]),
        ("-0.25", None, ["-0.25", "-0.250", "-0.2500", "-0.25000"]),
        ("0", 2, ["0", "0.0"]),
        ("12", 4, ["12", "12.0", "12.00"]),
        ("1234.5", 5, ["1234.5"]),
        ("99999", 5, ["99999"]),
    ],
)
def test_a_decimal_is_spelled_with_up_to_three_more_zeros_within_its_length_A21_1(
    canonical: str, length: int | None, expected: list[str]
) -> None:
    assert choices(item(data_type="decimal", length=length), canonical) == expected


T = "2024-05-01T08:00:00"


@pytest.mark.parametrize(
    ("canonical", "expected"),
    [
        (T, [T, T + ".0", T + ".00", T + ".000", T + ".0000", T + ".00000", T + ".000000"]),
        (T + ".5+08:00", [T + f".{'5'.ljust(n, '0')}+08:00" for n in range(1, 7)]),
        (T + ".123-05:00", [T + ".123-05:00", T + ".1230-05:00", T + ".12300-05:00", T + ".123000-05:00"]),
        (T + ".123456+00:00", [T + ".123456+00:00"]),
    ],
)
def test_a_datetime_is_spelled_with_its_fraction_written_to_more_digits_up_to_six_A21_1(
    canonical: str, expected: list[str]
) -> None:
    assert choices(item(data_type="datetime"), canonical) == expected


def test_a_canonical_text_is_asked_for_and_others_are_refused() -> None:
    with pytest.raises(ValueError, match="canonical"):
        choices(item(data_type="decimal"), "12.50")
    with pytest.raises(ValueError, match="canonical"):
        choices(item(data_type="datetime"), "2024-05-01T08:00:00.500")
    assert choices(item(), "12.50") == ["12.50"]


def test_a_value_gets_one_spelling_per_grant_whatever_its_row_or_column_A21_1() -> None:
    spec = [item("a", "decimal"), item("b", "decimal"), item("t", "datetime")]
    records = [{"a": f"{n}.5", "b": "7.25", "t": f"2024-05-01T08:00:{n % 60:02d}+08:00"} for n in range(200)]
    marked = mark_records(records, spec, KEY)
    # The same value in another row, another column or alone is spelled alike.
    assert len({m["b"] for m in marked}) == 1
    assert mark_record({"b": "7.25"}, spec, KEY)["b"] == marked[0]["b"]
    assert mark_record({"a": "7.25"}, spec, KEY)["a"] == marked[0]["b"]
    assert mark_records(records[::-1], spec, KEY) == marked[::-1]
    assert records[0] == {"a": "0.5", "b": "7.25", "t": "2024-05-01T08:00:00+08:00"}  # the input is not changed


def test_spellings_are_spread_evenly_and_two_grants_agree_only_by_chance_A21_1() -> None:
    spec = [item("t", "datetime")]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    records = [{"t": (start + timedelta(seconds=n)).isoformat()} for n in range(7000)]
    ours, theirs = mark_records(records, spec, KEY), mark_records(records, spec, OTHER_KEY)
    digits = Counter(len(m["t"].split(".")[1].split("+")[0]) if "." in m["t"] else 0 for m in ours)
    assert sorted(digits) == [0, 1, 2, 3, 4, 5, 6]
    # Each of the seven spellings about 1000 times: beyond ±200 is more than 6 standard deviations out.
    assert all(800 < count < 1200 for count in digits.values()), digits
    agreement = statistics.fmean(a == b for a, b in zip(ours, theirs, strict=True))
    assert 1 / 7 - 0.03 < agreement < 1 / 7 + 0.03


def test_a_spelling_names_the_canonical_text_and_the_zeros_written_beyond_it() -> None:
    assert decimal_spelling("12.50", None) == Spelling("12.5", 1, 4)
    assert decimal_spelling("12.00", None) == Spelling("12", 2, 4)
    assert decimal_spelling("-0.0", 2) == Spelling("-0", 1, 2)
    assert decimal_spelling("12.50000", None) == Spelling("12.5", 4, 4)  # more zeros than any grant writes
    assert datetime_spelling("2024-05-01 08:00:00.500Z") == Spelling("2024-05-01T08:00:00.5+00:00", 2, 6)
    assert datetime_spelling("2024-05-01T08:00") is None
    assert decimal_spelling("012.5", None) is None
    assert decimal_spelling("1e3", None) is None
