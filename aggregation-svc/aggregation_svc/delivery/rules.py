"""How a delivery is asked for: which items (projection), which records (filters on key items), from where
(an opaque cursor). Pure functions; each problem names the query parameter at fault.

A cursor holds the record key the next page starts after. The key is made of the key items' values, so a cursor
given under a grant is sealed (AES-GCM, keyed from the grant's secret): a grant that does not hold a key item
learns nothing of its values from the cursors it is given (A21.1).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from aggregation_svc.ingest.rules import length_problem, record_key, typed_value
from hub.contracts.catalog import DataItemSpec

FILTER_PREFIX = "key."
Problems = list[dict[str, str]]


def requested_items(requested: str | None) -> list[str] | None:
    """The item names a request asks for (comma-separated), None when it names none."""
    names = [name.strip() for name in (requested or "").split(",") if name.strip()]
    return list(dict.fromkeys(names)) or None


def projection(requested: str | None, items: Sequence[DataItemSpec]) -> tuple[list[str], Problems]:
    """The items to deliver, in the entry's order: those named (comma-separated), or every declared item.

    Only declared items exist in the centre (A15.1), so naming another is an error.
    """
    declared = [i.name for i in items]
    names = requested_items(requested)
    if names is None:
        return declared, []
    wanted = set(names)
    problems = [{"field": "items", "message": f"{name} is not a data item of the entry"} for name in sorted(wanted)
                if name not in declared]  # fmt: skip
    return [name for name in declared if name in wanted], problems


def granted_projection(
    requested: str | None, items: Sequence[DataItemSpec], granted: Sequence[str]
) -> tuple[list[str], Problems]:
    """The items to deliver under a grant, in the entry's order: those named, or every item the grant holds, of
    those the entry still declares (a new version may have dropped one before the grant's narrowing arrived).
    Never an item outside the grant (A21.1): the grant was checked to hold those named."""
    held = set(granted)
    if requested_items(requested) is None:
        projected, problems = [i.name for i in items if i.name in held], Problems()
    else:
        projected, problems = projection(requested, items)
        projected = [name for name in projected if name in held]
    if not projected and not problems:
        problems = [{"field": "items", "message": "the grant holds no item the entry still declares"}]
    return projected, problems


def ungranted_filters(filters: Iterable[str], granted: Sequence[str]) -> Problems:
    """Filters on key items outside a grant: refused, as a filter on an item would tell its values (A21.1)."""
    return [{"field": FILTER_PREFIX + name, "message": "not an item of the grant", "requirement": "A21.1"}
            for name in filters if name not in granted]  # fmt: skip


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


NONCE_BYTES = 12


def _cursor_cipher(secret: bytes) -> AESGCM:
    # Its own key, derived from the grant's secret: the fingerprint's PRF and the cursors' cipher never share one.
    return AESGCM(hashlib.blake2b(secret, digest_size=32, person=b"hub-cursor").digest())


def encode_cursor(key: str, sealed_with: bytes | None = None) -> str:
    """An opaque cursor: where the next page starts (after this record key); sealed with a grant's secret."""
    data = key.encode()
    if sealed_with is not None:
        nonce = secrets.token_bytes(NONCE_BYTES)
        data = nonce + _cursor_cipher(sealed_with).encrypt(nonce, data, None)
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


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


def decode_cursor(cursor: str | None, sealed_with: bytes | None = None) -> tuple[str | None, Problems]:
    """The record key a cursor of `encode_cursor` (with the same secret) holds; anything else, or a forged key, is a
    problem of `cursor`."""
    if not cursor:
        return None, []
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = base64.b64decode(padded, altchars=b"-_", validate=True)
        if sealed_with is not None:
            data = _cursor_cipher(sealed_with).decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], None)
        key: str | None = data.decode()
    except (binascii.Error, UnicodeDecodeError, ValueError, InvalidTag):
        key = None
    if key is None or not _is_record_key(key):
        return None, [{"field": "cursor", "message": "not a cursor this service gave"}]
    return key, []
