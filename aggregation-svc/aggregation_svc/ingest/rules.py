"""The Measures' rules on data pushed to the big data centre, as pure functions over one record and the entry's
declared data items (信息项). The service calls them; tests call them without a database.

Values arrive typed (JSON) or as text (CSV cells, URL filters): `from_text` says which. JSON values must have the
declared JSON type, except that a decimal may also come as a numeric string (as systems send exact amounts). A
valid value is returned in the form it is stored and delivered in: strings, integers and booleans as JSON has
them; decimals as strings (exact, whatever their precision); dates and datetimes as ISO 8601 strings.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence, Set
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from hub.contracts.catalog import DataItemSpec
from hub.violations import Violation

# The one field a record may carry beside its declared items: the consent it rests on (A16.1). Item names start
# with a letter (catalog-svc enforces ^[a-z][a-z0-9_]*$), so it can never clash with one.
CONSENT_FIELD = "_consent_id"

_INTEGER = re.compile(r"^[+-]?\d+$")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})


def undeclared_items(fields: Iterable[str], items: Sequence[DataItemSpec]) -> list[Violation]:
    """The centre accepts only the entry's declared data items (A15.1); the consent reference is allowed (A16.1)."""
    declared = {i.name for i in items} | {CONSENT_FIELD}
    return [
        Violation(name, "not a declared data item of the entry", "A15.1") for name in sorted(set(fields) - declared)
    ]


def is_blank(value: Any) -> bool:
    """No value: absent, null, or an empty or blank string (an empty CSV cell)."""
    return value is None or (isinstance(value, str) and not value.strip())


def typed_value(item: DataItemSpec, value: Any, *, from_text: bool) -> tuple[Any, str | None]:
    """A value of the item's declared type, as stored, or why it is not one (A17.1)."""
    kind = item.data_type
    if kind == "string":
        if not isinstance(value, str):
            return None, "expected a string"
        # PostgreSQL text holds neither NUL nor lone surrogates, and no public data item needs them.
        if "\x00" in value:
            return None, "contains a NUL character"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None, "is not valid Unicode text"
        return value, None
    if from_text and not isinstance(value, str):
        return None, f"expected {kind} text"
    if kind == "integer":
        if isinstance(value, str) and from_text:
            return (int(value.strip()), None) if _INTEGER.match(value.strip()) else (None, "expected an integer")
        if isinstance(value, int) and not isinstance(value, bool):
            return value, None
        return None, "expected an integer"  # a JSON string is not one: types are the pusher's to get right
    if kind == "decimal":
        return _decimal(value)
    if kind == "boolean":
        if isinstance(value, bool):
            return value, None
        text = value.strip().lower() if isinstance(value, str) and from_text else None
        if text in _TRUE or text in _FALSE:
            return text in _TRUE, None
        return None, "expected true or false"
    if kind == "date":
        if isinstance(value, str) and _DATE.match(value.strip()):
            try:
                return date.fromisoformat(value.strip()).isoformat(), None
            except ValueError:
                pass
        return None, "expected a date, YYYY-MM-DD"
    if kind == "datetime":
        if isinstance(value, str) and _DATETIME.match(value.strip()):
            try:
                return datetime.fromisoformat(value.strip()).isoformat(), None
            except ValueError:
                pass
        return None, "expected an ISO 8601 date and time"
    return None, f"the entry declares an unknown type {kind!r}"


def _decimal(value: Any) -> tuple[str | None, str | None]:
    if isinstance(value, bool):
        return None, "expected a decimal number"
    if isinstance(value, str):
        if not _DECIMAL.match(value.strip()):
            return None, "expected a decimal number"
        value = value.strip()
    elif not isinstance(value, int | float | Decimal):
        return None, "expected a decimal number"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None, "expected a decimal number"
    if not number.is_finite():
        return None, "expected a finite decimal number"
    return format(number, "f"), None


def length_problem(item: DataItemSpec, value: Any) -> str | None:
    """Whether a typed value fits the item's declared length (数据长度): characters of a string, digits of a
    number (A17.1)."""
    if item.length is None:
        return None
    if item.data_type == "string" and len(value) > item.length:
        return f"longer than {item.length} characters"
    if item.data_type in ("integer", "decimal"):
        digits = sum(ch.isdigit() for ch in str(value))
        if digits > item.length:
            return f"more than {item.length} digits"
    return None


def validated_record(
    record: Mapping[str, Any], items: Sequence[DataItemSpec], *, from_text: bool
) -> tuple[dict[str, Any], list[Violation]]:
    """A record checked item by item against the entry's declared items: required, type, length, key (A17.1).

    Returns the stored form of its declared values (blank ones left out) and every violation found.
    """
    data: dict[str, Any] = {}
    found: list[Violation] = []
    for item in items:
        value = record.get(item.name)
        if is_blank(value):
            if item.key:
                found.append(Violation(item.name, "a key item needs a value", "A17.1"))
            elif item.required:
                found.append(Violation(item.name, "required", "A17.1"))
            continue
        typed, problem = typed_value(item, value, from_text=from_text)
        problem = problem or length_problem(item, typed)
        if problem:
            found.append(Violation(item.name, problem, "A17.1"))
        else:
            data[item.name] = typed
    return data, found


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, characters as they are."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def record_key(data: Mapping[str, Any], items: Sequence[DataItemSpec]) -> str:
    """The record's identity in its entry, by which records upsert (A17.1): its key items' values in declaration
    order. An entry that declares no key item keys records by their content, so a resent record is no duplicate."""
    keys = [i.name for i in items if i.key]
    if keys:
        return canonical_json([data[name] for name in keys])
    return "sha256:" + hashlib.sha256(canonical_json(data).encode()).hexdigest()


def consent_id_of(value: Any) -> uuid.UUID | None:
    """The consent a record references, if it names one well-formed."""
    if is_blank(value):
        return None
    try:
        return uuid.UUID(str(value).strip())
    except ValueError:
        return None


def consent_violations(value: Any, consent_required: bool, valid: Set[uuid.UUID]) -> list[Violation]:
    """Data of a consent-required entry rests on the subject's valid consent (A16.1).

    A reference, where given, must name a consent that is recorded, unrevoked, unexpired and covers the entry
    (`valid`: those of the referenced ones that are); it is checked even where the entry does not require it.
    """
    if is_blank(value):
        if consent_required:
            return [Violation(CONSENT_FIELD, "this entry's data needs the subject's consent: reference it", "A16.1")]
        return []
    consent_id = consent_id_of(value)
    if consent_id is None:
        return [Violation(CONSENT_FIELD, "not a consent id", "A16.1")]
    if consent_id not in valid:
        return [Violation(CONSENT_FIELD, "no valid consent: unknown, revoked, expired or not for this entry", "A16.1")]
    return []
