"""How a delivery is asked for: projection, key filters, cursor — without a database."""

from __future__ import annotations

from aggregation_svc.delivery.rules import decode_cursor, encode_cursor, exact_key, key_filters, projection
from hub.contracts.catalog import DataItemSpec

ITEMS = (
    DataItemSpec(name="region", label="区划", data_type="string", required=True, key=True),
    DataItemSpec(name="seq", label="序号", data_type="integer", required=True, key=True),
    DataItemSpec(name="name", label="名称", data_type="string"),
)


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
