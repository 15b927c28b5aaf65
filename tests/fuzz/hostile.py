"""Hostile values, where they go in a request, and how they travel on the wire.

The values are what a careless or hostile client sends (issue 9, A28.1): NUL characters, lone surrogates, control
characters, integers beyond PostgreSQL's range (10**20, 2**63), very long strings, right-to-left text and emoji.
They are encoded as a client could send them — JSON escapes a lone surrogate, a URL or a CSV cell carries its
bytes as they are — so the service, not the client library, has to refuse them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

NUL = "nul\x00byte"
# Hypothesis tries the simplest value of each field first: NUL, the hole PostgreSQL answered with a 500.
CANONICAL: tuple[object, ...] = (
    NUL,
    "\x00",
    "\ud800",
    "lone \udfff surrogate",
    "\x01\x08\x10\x1b\x7f",
    "tab\tand\r\nnew line",
    "\u202eشلום RTL override",
    "👩‍👩‍👧‍👦🇨🇳🙂",
    10**20,
    2**63,
    2**63 - 1,
    -(2**63) - 1,
    2**31,
    1e308,
    float("nan"),
    float("inf"),
    "9" * 400,
    "",
)
# HTTP servers refuse request lines beyond a few tens of kilobytes before any application sees them (h11: 16 KiB),
# so a value in a URL is cut to this many characters; bodies carry the long ones whole.
URL_TEXT_LIMIT = 1500


def hostile_values() -> st.SearchStrategy[object]:
    """Any hostile value: one of the canonical ones, or one generated in their image."""
    return st.one_of(
        st.sampled_from(CANONICAL),
        # Control and format characters (RTL marks, zero-width joiners), surrogates, separators, private use.
        st.text(st.characters(categories=("Cc", "Cs", "Cf", "Zl", "Zp", "Co")), min_size=1, max_size=24),
        st.text(min_size=1, max_size=24).map(lambda text: text + "\x00"),
        st.integers(min_value=2**31) | st.integers(max_value=-(2**31)),
        st.integers(min_value=1_000, max_value=20_000).map(lambda n: "超长字段" * n),
        st.text(st.sampled_from("شلום\u200f\u202e\u2066🙂👩‍⚕️🇨🇳"), min_size=1, max_size=40),
    )


@dataclass(frozen=True)
class Target:
    """One place of a request a hostile value is put: a body field, a query or path parameter, a CSV column…"""

    where: str  # "body", "query", "path" or "header"
    field: tuple[str | int, ...]  # the field's path in the body, or the parameter's or column's name

    def __str__(self) -> str:
        return f"{self.where}:{'.'.join(str(part) for part in self.field)}"


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with its $ref followed, and the non-null branch of an `anyOf` taken."""
    while True:
        if "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = document["components"]["schemas"][name]
        elif "anyOf" in schema or "oneOf" in schema:
            branches = [b for b in schema.get("anyOf", schema.get("oneOf", [])) if b.get("type") != "null"]
            schema = branches[0] if branches else {}
        elif "allOf" in schema and len(schema["allOf"]) == 1:
            schema = schema["allOf"][0]
        else:
            return schema


def field_paths(document: dict[str, Any], schema: dict[str, Any], prefix: tuple[str | int, ...] = ()) -> Iterator[
        tuple[str | int, ...]]:  # fmt: skip
    """Every leaf field a body of the schema has, nested objects and the first element of arrays included."""
    schema = resolve(document, schema)
    if schema.get("type") == "object" or "properties" in schema:
        for name, member in schema.get("properties", {}).items():
            yield from field_paths(document, member, (*prefix, name))
    elif schema.get("type") == "array" and len(prefix) < 6:
        yield from field_paths(document, schema.get("items", {}), (*prefix, 0))
    elif prefix:
        yield prefix


def leaf_paths(value: object, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every leaf field a concrete body holds."""
    if isinstance(value, dict):
        for name, member in value.items():
            yield from leaf_paths(member, (*prefix, name))
    elif isinstance(value, list) and value:
        yield from leaf_paths(value[0], (*prefix, 0))
    elif prefix:
        yield prefix


def inject(body: Any, field: tuple[str | int, ...], value: object) -> Any:
    """The body with `value` at the field's path, creating the objects and lists on the way."""
    if not field:
        return value
    head, rest = field[0], field[1:]
    if isinstance(head, int):
        items = list(body) if isinstance(body, list) and body else [{} if rest and isinstance(rest[0], str) else None]
        items[0] = inject(items[0], rest, value)
        return items
    container = dict(body) if isinstance(body, dict) else {}
    container[head] = inject(container.get(head), rest, value)
    return container


def text_of(value: object) -> str:
    """The value as a client writes it in a URL, a form or a CSV cell."""
    return value if isinstance(value, str) else json.dumps(value, allow_nan=True)


def url_quoted(value: object) -> str:
    """Percent-encoded bytes of the value; a lone surrogate becomes the (invalid) UTF-8 bytes a client may send."""
    return quote(text_of(value)[:URL_TEXT_LIMIT].encode("utf-8", "surrogatepass"), safe="")


def header_bytes(value: object) -> bytes:
    """The value's bytes as a header carries them: what HTTP allows in a field value (RFC 9110 §5.5: visible ASCII,
    inner spaces and tabs, obs-text bytes), the rest dropped, as HTTP libraries refuse to send or receive it."""
    raw = text_of(value)[:URL_TEXT_LIMIT].encode("utf-8", "surrogatepass")
    return bytes(byte for byte in raw if byte == 0x09 or 0x20 <= byte != 0x7F).strip(b" \t")


def json_bytes(body: object) -> bytes:
    """JSON as a client library writes it: non-ASCII escaped (so a lone surrogate travels as \\udXXX), NaN kept."""
    return json.dumps(body, ensure_ascii=True, allow_nan=True).encode()


def form_bytes(fields: dict[str, object]) -> bytes:
    """A form body; its values are not cut (a body carries long values whole)."""
    pairs = (f"{quote(name)}={quote(text_of(value).encode('utf-8', 'surrogatepass'), safe='')}" for name, value in
             fields.items())  # fmt: skip
    return "&".join(pairs).encode()


def csv_bytes(row: dict[str, object]) -> bytes:
    """A header and one row; cells carry their bytes as they are (a lone surrogate as invalid UTF-8)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(row)
    writer.writerow([text_of(value) if value is not None else "" for value in row.values()])
    return buffer.getvalue().encode("utf-8", "surrogatepass")


def ndjson_bytes(record: dict[str, object]) -> bytes:
    return json_bytes(record) + b"\n"
