"""A delivery's cursor and key filters at their edges (A17.1, A28.1).

A cursor is the record key in base64url without its padding (RFC 4648 §5): a key of any length must come back,
whichever of the three paddings (none, "=" or "==") was dropped, and a character outside the base64url alphabet
makes it no cursor at all rather than being skipped. Key filters read every `key.` parameter wherever it stands
among the others, and a value that is not of its item's type is refused as such, whatever length the item has.
"""

from __future__ import annotations

import base64

import pytest

from aggregation_svc.delivery.rules import decode_cursor, encode_cursor, key_filters
from hub.contracts.catalog import DataItemSpec

REFUSED = (None, [{"field": "cursor", "message": "not a cursor this service gave"}])
ITEMS = (
    DataItemSpec(name="region", label="区划", data_type="string", length=6, required=True, key=True),
    DataItemSpec(name="seq", label="序号", data_type="integer", length=4, required=True, key=True),
    DataItemSpec(name="name", label="名称", data_type="string"),
)


# Their base64url forms end in nothing, "==" and "=": each padding is dropped once.
KEYS = ('["320205",7]', '["320205",78]', '["320205",789]')


def test_the_keys_tried_drop_each_padding_once() -> None:
    assert {base64.urlsafe_b64encode(key.encode()).count(b"=") for key in KEYS} == {0, 1, 2}


@pytest.mark.parametrize("key", KEYS)
def test_a_cursor_comes_back_whichever_padding_base64url_dropped_A28_1(key: str) -> None:
    cursor = encode_cursor(key)
    assert "=" not in cursor
    assert decode_cursor(cursor) == (key, [])


# One stray character, and four (which leave the length a whole number of base64 quanta, so a decoder that skips
# them would find nothing else wrong).
@pytest.mark.parametrize("stray", ["!", " ", "!!!!", "    ", "*#*#"])
def test_a_cursor_with_a_character_outside_base64url_is_refused_A28_1(stray: str) -> None:
    cursor = encode_cursor(KEYS[2])
    assert decode_cursor(cursor[:4] + stray + cursor[4:]) == REFUSED


def test_a_key_filter_after_another_parameter_is_read_A17_1() -> None:
    params = [("items", "name"), ("limit", "10"), ("key.region", "320205"), ("key.seq", "7")]
    assert key_filters(params, ITEMS) == ({"region": "320205", "seq": 7}, [])


def test_a_filter_value_not_of_its_items_type_is_refused_as_such_though_the_item_has_a_length_A17_1() -> None:
    filters, problems = key_filters([("key.seq", "seven")], ITEMS)
    assert filters == {}
    assert [p["field"] for p in problems] == ["key.seq"]
    assert "digits" not in problems[0]["message"]
