"""How a delivery is asked for: projection, key filters, cursor — without a database."""

from __future__ import annotations

import base64

import pytest

from aggregation_svc.delivery.rules import decode_cursor, encode_cursor, exact_key, key_filters, projection
from hub.contracts.catalog import DataItemSpec

ITEMS = (
    DataItemSpec(name="region", label="区划", data_type="string", required=True, key=True),
    DataItemSpec(name="seq", label="序号", data_type="integer", required=True, key=True),
    DataItemSpec(name="name", label="名称", data_type="string"),
)
SHORT_KEY = (DataItemSpec(name="code", label="代码", data_type="string", length=6, key=True),)


def test_projection_keeps_the_entrys_order_and_defaults_to_every_item() -> None:
    assert projection(None, ITEMS) == (["region", "seq", "name"], [])
    assert projection("name, region", ITEMS) == (["region", "name"], [])


def test_projection_onto_an_undeclared_item_is_an_error_naming_it_A15_1() -> None:
    _, problems = projection("name,salary", ITEMS)
    assert problems == [{"field": "items", "message": "salary is not a data item of the entry"}]


def test_filters_are_on_key_items_typed_by_them() -> None:
    filters, problems = key_filters([("key.seq", "7"), ("limit", "3")], ITEMS)
    assert (filters, problems) == ({"seq": 7}, [])
    _, problems = key_filters([("key.name", "x"), ("key.seq", "seven")], ITEMS)
    assert [p["field"] for p in problems] == ["key.name", "key.seq"]


def test_filters_naming_every_key_item_name_one_record() -> None:
    assert exact_key({"seq": 7}, ITEMS) is None
    assert exact_key({"seq": 7, "region": "320205"}, ITEMS) == '["320205",7]'


def test_a_cursor_round_trips_and_a_forged_one_is_refused() -> None:
    assert decode_cursor(encode_cursor('["320205",7]')) == ('["320205",7]', [])
    assert decode_cursor(None) == (None, [])
    assert decode_cursor("%%%")[1][0]["field"] == "cursor"


def test_a_cursor_of_a_record_keyed_by_its_content_round_trips() -> None:
    key = "sha256:" + "0123456789abcdef" * 4
    assert decode_cursor(encode_cursor(key)) == (key, [])


@pytest.mark.parametrize(
    "decoded",
    [b"\x00", b'["a\x00"]', b"garbage", b'["unclosed', b"\xff\xfe", b"sha256:short", b"{}", b"", b"[" * 100_000],
)
def test_a_cursor_that_decodes_to_no_record_key_is_refused_naming_the_cursor_A28_1(decoded: bytes) -> None:
    # NUL would reach PostgreSQL, which refuses it in text: an error of the cursor, never of the service.
    cursor = base64.urlsafe_b64encode(decoded).decode().rstrip("=") or "="
    assert decode_cursor(cursor) == (None, [{"field": "cursor", "message": "not a cursor this service gave"}])


def test_a_filter_value_longer_than_its_item_is_refused_naming_the_filter_A17_1() -> None:
    filters, problems = key_filters([("key.code", "3202051")], SHORT_KEY)
    assert (filters, problems) == ({}, [{"field": "key.code", "message": "longer than 6 characters"}])
