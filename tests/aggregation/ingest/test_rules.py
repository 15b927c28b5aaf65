"""The rules a pushed record is validated by, without a database (A15.1, A16.1, A17.1)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregation_svc.ingest.rules import (
    CONSENT_FIELD,
    MAX_NAMED_FIELDS,
    RecordRules,
    consent_violations,
    header_violations,
    length_problem,
    record_key,
    shown_name,
    typed_value,
    undeclared_items,
)
from hub.contracts.catalog import DataItemSpec


def item(name: str = "x", data_type: str = "string", **fields: Any) -> DataItemSpec:
    return DataItemSpec(name=name, label=name, data_type=data_type, **fields)


PERSON = (
    item("id_number", length=18, required=True, key=True),
    item("full_name", length=4, required=True),
    item("age", "integer", length=3),
    item("income", "decimal", length=8),
    item("married", "boolean"),
    item("born_on", "date"),
    item("seen_at", "datetime"),
)


def test_items_the_entry_does_not_declare_are_named_and_the_consent_reference_is_allowed_A15_1() -> None:
    found = undeclared_items(["id_number", "salary", CONSENT_FIELD, "address"], PERSON)
    assert [(v.field, v.requirement) for v in found] == [("address", "A15.1"), ("salary", "A15.1")]


def test_a_valid_record_is_stored_typed_with_its_blank_items_left_out_A17_1() -> None:
    record = {"id_number": "320200199001011234", "full_name": "张三", "age": 34, "income": 1234.5, "married": None}
    data, found = RecordRules(PERSON, from_text=False).validate(record)
    assert found == []
    assert data == {"id_number": "320200199001011234", "full_name": "张三", "age": 34, "income": "1234.5"}


def test_text_values_are_typed_by_their_items_A17_1() -> None:
    record = {"id_number": "1", "full_name": "李四", "age": "7", "income": "0.50", "married": "TRUE",
              "born_on": "2001-02-03", "seen_at": "2024-05-01 08:00:00+08:00"}  # fmt: skip
    data, found = RecordRules(PERSON, from_text=True).validate(record)
    assert found == []
    assert data["age"] == 7
    assert data["income"] == "0.50"
    assert data["married"] is True
    assert data["born_on"] == "2001-02-03"
    assert data["seen_at"] == "2024-05-01T08:00:00+08:00"


@pytest.mark.parametrize(
    ("data_type", "value", "from_text"),
    [
        ("integer", "12a", True),
        ("integer", 1.5, False),
        ("integer", True, False),
        ("integer", "12", False),
        ("decimal", "1,5", True),
        ("decimal", True, False),
        ("decimal", "NaN", True),
        ("boolean", "yes", True),
        ("boolean", 1, False),
        ("date", "2024-02-30", True),
        ("date", "20240501", True),
        ("datetime", "yesterday", True),
        ("string", 42, False),
        ("string", "a\x00b", False),
    ],
)
def test_a_value_not_of_the_declared_type_is_refused_A17_1(data_type: str, value: Any, from_text: bool) -> None:
    typed, problem = typed_value(item(data_type=data_type), value, from_text=from_text)
    assert typed is None
    assert problem


def test_missing_required_and_key_items_and_overlong_values_are_each_named_A17_1() -> None:
    record = {"full_name": "欧阳娜娜娜", "age": 1000, "income": "123456789.1"}
    _, found = RecordRules(PERSON, from_text=False).validate(record)
    assert {(v.field, v.requirement) for v in found} == {
        ("id_number", "A17.1"), ("full_name", "A17.1"), ("age", "A17.1"), ("income", "A17.1"),
    }  # fmt: skip
    reasons = {v.field: v.message for v in found}
    assert reasons["id_number"] == "a key item needs a value"
    assert reasons["full_name"] == "longer than 4 characters"
    assert reasons["age"] == "more than 3 digits"


def test_a_blank_required_value_counts_as_missing_A17_1() -> None:
    _, found = RecordRules(PERSON, from_text=False).validate({"id_number": "1", "full_name": "   "})
    assert [(v.field, v.message) for v in found] == [("full_name", "required")]


def test_length_counts_characters_of_strings_not_bytes_A17_1() -> None:
    assert length_problem(item(length=2), "无锡") is None
    assert length_problem(item(length=2), "无锡市") == "longer than 2 characters"
    assert length_problem(item(data_type="decimal", length=3), "-12.25") == "more than 3 digits"
    assert length_problem(item(data_type="decimal", length=3), "-1.25") is None


def test_records_are_keyed_by_their_key_items_in_declaration_order_A17_1() -> None:
    items = (item("b", key=True, required=True), item("a", "integer", key=True, required=True), item("c"))
    assert record_key({"a": 1, "b": "x", "c": "ignored"}, items) == '["x",1]'
    assert record_key({"a": 1, "b": "x", "c": "other"}, items) == record_key({"b": "x", "a": 1}, items)


def test_without_key_items_a_record_is_keyed_by_its_content_so_a_resent_one_is_no_duplicate_A17_1() -> None:
    items = (item("a"), item("b"))
    assert record_key({"a": "1", "b": "2"}, items) == record_key({"b": "2", "a": "1"}, items)
    assert record_key({"a": "1", "b": "2"}, items) != record_key({"a": "1", "b": "3"}, items)


def test_a_consent_required_entry_refuses_a_record_without_a_valid_consent_A16_1() -> None:
    valid = uuid.uuid4()
    assert consent_violations(str(valid), True, {valid}) == []
    missing = consent_violations(None, True, {valid})
    assert [(v.field, v.requirement) for v in missing] == [(CONSENT_FIELD, "A16.1")]
    assert consent_violations("not-a-uuid", True, {valid})[0].message == "not a consent id"
    assert consent_violations(str(uuid.uuid4()), True, {valid})[0].requirement == "A16.1"


def test_a_consent_reference_is_checked_even_where_the_entry_does_not_require_one_A16_1() -> None:
    assert consent_violations(None, False, set()) == []
    assert consent_violations(str(uuid.uuid4()), False, set())[0].requirement == "A16.1"


def test_an_undeclared_name_holding_nul_control_characters_or_a_lone_surrogate_is_named_escaped_A15_1() -> None:
    # Escaped as JSON writes them (\u0000), so the name can be answered in JSON and stored in JSONB.
    found = undeclared_items(["a\x00b", "\ud800", "tab\there", "名字"], PERSON)
    assert [v.field for v in found] == ["a\\u0000b", "tab\\u0009here", "名字", "\\ud800"]
    for violation in found:
        violation.field.encode("utf-8")  # no lone surrogate left


def test_a_refusal_names_a_bounded_number_of_undeclared_fields_each_cut_short_A15_1() -> None:
    found = undeclared_items([f"extra_{n:03d}" for n in range(100)] + ["x" * 5000], PERSON)
    assert len(found) == MAX_NAMED_FIELDS + 1
    assert found[-1].message == f"and {101 - MAX_NAMED_FIELDS} more undeclared fields"
    assert len(shown_name("x" * 5000)) == 100


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "\ud800", "a\udfffb"])
def test_text_postgresql_cannot_hold_quarantines_the_record_naming_the_item_A17_1(value: str) -> None:
    for from_text in (False, True):
        data, found = RecordRules(PERSON, from_text=from_text).validate({"id_number": "1", "full_name": value})
        assert [(v.field, v.requirement) for v in found] == [("full_name", "A17.1")]
        assert "full_name" not in data


def test_other_control_characters_are_text_like_any_and_stored_as_sent_A17_1() -> None:
    # PostgreSQL holds them (JSON escapes them); legacy systems' free text carries tabs, form feeds, escapes.
    value = "\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f\x85"
    data, found = RecordRules((item("note"),), from_text=True).validate({"note": value})
    assert (data, found) == ({"note": value}, [])


def test_a_csv_header_for_a_replace_push_names_every_key_and_required_item_A17_1() -> None:
    found = header_violations(["age", "married"], PERSON, merge=False)
    assert [(v.field, v.requirement) for v in found] == [("id_number", "A17.1"), ("full_name", "A17.1")]
    assert header_violations(["id_number", "full_name"], PERSON, merge=False) == []


def test_a_csv_header_for_a_merge_push_needs_only_the_key_items_A17_1() -> None:
    assert [v.field for v in header_violations(["full_name", "age"], PERSON, merge=True)] == ["id_number"]
    assert header_violations(["id_number", "age"], PERSON, merge=True) == []


def test_merging_a_required_item_the_record_does_not_name_is_left_to_the_stored_record_A17_1() -> None:
    rules = RecordRules(PERSON, from_text=True, merge=True)
    assert rules.validate({"id_number": "1", "age": "40"}) == ({"id_number": "1", "age": 40}, [])
    assert rules.sent_items({"id_number": "1", "age": "40", CONSENT_FIELD: "x"}) == {"id_number", "age"}
    _, blank = rules.validate({"id_number": "1", "full_name": " "})
    assert [(v.field, v.message) for v in blank] == [("full_name", "required")]
    _, keyless = rules.validate({"age": "40"})
    assert [(v.field, v.message) for v in keyless] == [("id_number", "a key item needs a value")]
    _, replacing = RecordRules(PERSON, from_text=True).validate({"id_number": "1", "age": "40"})
    assert [(v.field, v.message) for v in replacing] == [("full_name", "required")]


# Any text: NUL, control characters, lone surrogates, every plane.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=30)


def storable(text: str) -> bool:
    """What PostgreSQL's text and JSONB take: UTF-8 text without NUL."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


@given(st.dictionaries(st.sampled_from(["id_number", "full_name", "note"]), ANY_TEXT), st.booleans())
def test_every_value_a_record_is_stored_with_is_text_postgresql_holds_A17_1(record: dict[str, str], text: bool) -> None:
    items = (*PERSON[:2], item("note"))
    data, found = RecordRules(items, from_text=text).validate(record)
    assert all(storable(value) for value in data.values())
    assert {v.field for v in found} | set(data) >= {name for name, value in record.items() if value.strip()}


@given(st.lists(ANY_TEXT, max_size=30))
def test_every_undeclared_name_a_refusal_shows_is_text_postgresql_and_json_hold_A15_1(names: list[str]) -> None:
    for violation in undeclared_items(names, PERSON):
        assert storable(violation.field)
        assert violation.field.isprintable()
        assert len(violation.field) <= 100
