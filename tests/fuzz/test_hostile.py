"""Where hostile values go and how they travel, without a hub: a client's bytes, not what a library would allow."""

from __future__ import annotations

import json

from fuzz.hostile import NUL, csv_bytes, field_paths, header_bytes, inject, json_bytes, leaf_paths, url_quoted

DOCUMENT = {
    "components": {
        "schemas": {
            "Item": {"type": "object", "properties": {"name": {"type": "string"}, "length": {"type": "integer"}}},
            "Entry": {
                "type": "object",
                "properties": {
                    "name": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Item"}},
                    "tags": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    }
}


def test_every_leaf_field_of_a_schema_is_a_target_nested_and_in_arrays() -> None:
    schema = {"$ref": "#/components/schemas/Entry"}
    assert list(field_paths(DOCUMENT, schema)) == [("name",), ("items", 0, "name"), ("items", 0, "length"), ("tags", 0)]
    # An empty list is a field of its own: the value replaces it.
    assert list(leaf_paths({"a": 1, "b": [{"c": 2}], "d": []})) == [("a",), ("b", 0, "c"), ("d",)]


def test_a_value_is_put_at_its_field_and_nothing_else_changes() -> None:
    items: list[dict[str, object]] = [{"name": "id_number", "length": 18}, {"name": "x"}]
    changed = inject({"name": "常住人口", "items": items}, ("items", 0, "length"), 2**63)
    assert changed == {"name": "常住人口", "items": [{"name": "id_number", "length": 2**63}, {"name": "x"}]}
    assert items[0]["length"] == 18
    assert inject({}, ("tags", 0), NUL) == {"tags": [NUL]}
    assert inject({}, ("items", 0, "name"), NUL) == {"items": [{"name": NUL}]}


def test_a_lone_surrogate_travels_escaped_in_json_and_as_invalid_utf8_elsewhere() -> None:
    assert json_bytes({"name": "\ud800", "n": float("nan")}) == b'{"name": "\\ud800", "n": NaN}'
    assert url_quoted("\ud800\x00/") == "%ED%A0%80%00%2F"
    assert url_quoted(10**20) == "100000000000000000000"
    assert csv_bytes({"code": "\udfff", "name": None}) == b"code,name\r\n\xed\xbf\xbf,\r\n"
    assert json.loads(json_bytes({"n": NUL}))["n"] == NUL


def test_a_header_carries_what_http_lets_a_field_value_carry_and_nothing_else() -> None:
    # NUL, CR and LF never reach a server in a header (RFC 9110 §5.5); a lone surrogate's bytes are obs-text.
    assert header_bytes(" \x00a\r\nb\ud800\t") == b"ab\xed\xa0\x80"
    assert header_bytes("键 值") == "键 值".encode()
    assert header_bytes(2**63) == b"9223372036854775808"
