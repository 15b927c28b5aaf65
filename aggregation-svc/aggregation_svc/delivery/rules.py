"""How a delivery is asked for: which items (projection), which records (filters on key items), from where
(an opaque cursor). Pure functions; each problem names the query parameter at fault."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from aggregation_svc.ingest.rules import length_problem, record_key, typed_value
from hub.contracts.catalog import DataItemSpec

FILTER_PREFIX = "key."
Problems = list[dict[str, str]]


def projection(requested: str | None, items: Sequence[DataItemSpec]) -> tuple[list[str], Problems]:
    """The items to deliver, in the entry's order: those named (comma-separated), or every declared item.

    Only declared items exist in the centre (A15.1), so naming another is an error.
    """
    declared = [i.name for i in items]
    if requested is None or not requested.strip():
        return declared, []
    wanted = {name.strip() for name in requested.split(",") if name.strip()}
    problems = [{"field": "items", "message": f"{name} is not a data item of the entry"} for name in sorted(wanted)
                if name not in declared]  # fmt: skip
    return [name for name in declared if name in wanted], problems


def key_filters(params: Iterable[tuple[str, str]], items: Sequence[DataItemSpec]) -> tuple[dict[str, Any], Problems]:
    """`key.<item>=<value>` parameters as typed values of key items (records are found by their key, A17.1)."""
    keys = {i.name: i for i in items if i.key}
    filters: dict[str, Any] = {}
    problems: Problems = []
    for name, value in params:
        if not name.startswith(FILTER_PREFIX):
            continue
        item_name = name.removeprefix(FILTER_PREFIX)
        item = keys.get(item_name)
        if item is None:
            problems.append({"field": name, "message": f"{item_name} is not a key item of the entry"})
            continue
        typed, problem = typed_value(item, value, from_text=True)
        if problem is None and item.length is not None:
            problem = length_problem(item, typed)
        if problem:
            problems.append({"field": name, "message": problem})
        else:
            filters[item_name] = typed
    return filters, problems


def exact_key(filters: dict[str, Any], items: Sequence[DataItemSpec]) -> str | None:
    """The one record key the filters name, when they give every key item."""
    keys = [i for i in items if i.key]
    if keys and all(i.name in filters for i in keys):
        return record_key(filters, items)
    return None


def encode_cursor(key: str) -> str:
    """An opaque cursor: where the next page starts (after this record key)."""
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


# A record key as `aggregation_svc.ingest.rules.RecordRules.key` makes it: its content's digest, or the JSON array
# of its key items' values.
_CONTENT_KEY = re.compile(r"sha256:[0-9a-f]{64}\Z")


def _is_record_key(text: str) -> bool:
    if _CONTENT_KEY.match(text):
        return True
    if "\x00" in text or not text.startswith("["):  # PostgreSQL text cannot hold NUL; no key holds one
        return False
    try:
        return isinstance(json.loads(text), list)
    except (ValueError, RecursionError):
        return False


def decode_cursor(cursor: str | None) -> tuple[str | None, Problems]:
    """The record key a cursor of `encode_cursor` holds; anything else, or a forged key, is a problem of `cursor`."""
    if not cursor:
        return None, []
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        key = None
    if key is None or not _is_record_key(key):
        return None, [{"field": "cursor", "message": "not a cursor this service gave"}]
    return key, []
