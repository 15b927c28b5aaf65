"""Checking a chunk of records in bulk gives exactly what checking each alone gives (A17.1)."""

from __future__ import annotations

from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregation_svc.ingest.rules import CONSENT_FIELD, RecordRules
from hub.contracts.catalog import DataItemSpec


def item(name: str, data_type: str = "string", **fields: Any) -> DataItemSpec:
    return DataItemSpec(name=name, label=name, data_type=data_type, **fields)


ITEMS = (
    item("id_number", length=18, required=True, key=True),
    item("full_name", length=6, required=True),
    item("age", "integer", length=3),
    item("income", "decimal", length=8),
    item("married", "boolean"),
    item("born_on", "date"),
    item("seen_at", "datetime"),
)

# Values each item accepts as sent, most of the time; and values near the edges of what it accepts.
VALID = {
    "id_number": st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
    "full_name": st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Z"]), min_size=1, max_size=6),
    "age": st.integers(-999, 999),
    "income": st.from_regex(r"-?(0|[1-9][0-9]{0,4})(\.[0-9]{1,2})?", fullmatch=True),
    "married": st.booleans(),
    "born_on": st.dates().map(lambda d: d.isoformat()).filter(lambda s: len(s) == 10),
    # Any fraction of a second, no time zone or any offset of whole minutes within a day, as isoformat writes them.
    "seen_at": st.datetimes(
        timezones=st.none()
        | st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
    ).map(lambda d: d.isoformat()),
}
EDGES: list[Any] = [
    None, "", "   ", " 1", "1 ", "\x00", "\ud800", "一二三四五六七", "a\x00", 1000, -1000, 10**30, True, 0, 1.5,
    "01", "+1", "1e3", "1234567.5", "2025-02-30", "2025-13-01", "20250101", "٢٠٢٥-٠١-٠١", "2025-01-01T00:00:00Z",
    "2025-01-01 08:00:00+08:00", "2025-01-01T08:00:00.5+08:00", "2025-01-01T08:00:00.000000", "true", [], {},
    "2025-01-01T08:00:00-00:00", "2025-01-01T24:00:00", "12345.678", "-0", "0.10", "99999999", "1e2",
    # Offsets and fractions a datetime parser reads but writes otherwise, or refuses: each must be checked alone.
    "2025-01-01T08:00:00+05:60", "2025-01-01T08:00:00+24:00", "2025-01-01T08:00:00+23:59", "2025-01-01T08:00:00-23:59",
    "2025-01-01T08:00:00+00:00", "2025-01-01T08:00:00.000001", "2025-01-01T08:00:00.100000+08:00",
    "2025-01-01T08:00:00.123", "2025-01-01T08:00:00+0800", "2025-01-01T08:00:00+08", "2025-01-01T08:00",
]  # fmt: skip


@st.composite
def records(draw: st.DrawFn, edgy: bool) -> dict[str, Any]:
    """A record of valid values; an edgy one has one change: an edge value, an item left out or a consent."""
    record = {i.name: draw(VALID[i.name]) for i in ITEMS}
    if edgy:
        change = draw(st.sampled_from(["edge", "edge", "edge", "missing", "consent"]))
        name = draw(st.sampled_from([i.name for i in ITEMS]))
        if change == "edge":
            record[name] = draw(st.sampled_from(EDGES))
        elif change == "missing":
            record.pop(name)
        else:
            record[CONSENT_FIELD] = "6f1c1f8e-3a59-4f0e-9a53-2b1b6a0e5d11"
    return record


@settings(max_examples=400, deadline=None)
@given(
    valid=st.lists(records(edgy=False), min_size=1, max_size=20),
    edgy=st.lists(records(edgy=True), max_size=2),
    from_text=st.booleans(),
)
def test_a_chunk_checked_in_bulk_has_the_results_of_each_record_checked_alone_A17_1(
    valid: list[dict[str, Any]], edgy: list[dict[str, Any]], from_text: bool
) -> None:
    rules = RecordRules(ITEMS, from_text=from_text)
    chunk = valid + edgy
    assert rules.validate_all(chunk) == [rules.validate(record) for record in chunk]


@pytest.mark.parametrize("from_text", [False, True])
@pytest.mark.parametrize("name", [i.name for i in ITEMS])
def test_every_edge_value_in_any_item_gets_the_result_of_checking_its_record_alone_A17_1(
    name: str, from_text: bool
) -> None:
    rules = RecordRules(ITEMS, from_text=from_text)
    valid = {"id_number": "32020019900101001X", "full_name": "张三", "age": 35, "income": "1200.50",
             "married": False, "born_on": "1990-01-01", "seen_at": "2025-07-15T05:30:00+08:00"}  # fmt: skip
    for edge in EDGES:
        chunk = [valid, {**valid, name: edge}, {**valid, "id_number": "320200199001010020"}]
        assert rules.validate_all(chunk) == [rules.validate(record) for record in chunk], (name, edge)


def test_a_chunk_of_valid_json_records_is_stored_as_sent_without_checking_each_alone_A17_1() -> None:
    record = {"id_number": "32020019900101001X", "full_name": "张三", "age": 35, "income": "1200.50",
              "married": False, "born_on": "1990-01-01", "seen_at": "2025-07-15T05:30:00+08:00"}  # fmt: skip
    [(data, found)] = RecordRules(ITEMS, from_text=False).validate_all([record])
    assert data is record
    assert found == []
    [(data, found)] = RecordRules(ITEMS, from_text=False).validate_all([{**record, "seen_at": "2025-07-15 05:30"}])
    assert data is not record
    assert (data["seen_at"], found) == ("2025-07-15T05:30:00", [])
