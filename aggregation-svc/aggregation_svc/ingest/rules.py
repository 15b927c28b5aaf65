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
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence, Set
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from operator import itemgetter
from typing import Any

import orjson

from hub.contracts.catalog import DataItemSpec
from hub.violations import Violation

# The one field a record may carry beside its declared items: the consent it rests on (A16.1). Item names start
# with a letter (catalog-svc enforces ^[a-z][a-z0-9_]*$), so it can never clash with one.
CONSENT_FIELD = "_consent_id"

_INTEGER = re.compile(r"^[+-]?\d+$")
# A decimal as `format(Decimal(text), "f")` writes it: no sign but a minus, no leading zeros, no exponent.
_PLAIN_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?\Z")
_DECIMAL = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:?\d{2})?$")
_TRUE, _FALSE = frozenset({"true", "1"}), frozenset({"false", "0"})
# The most digits a decimal may have written out (before and after its point).
MAX_DECIMAL_DIGITS = 1000


# The most undeclared fields a refusal names, and the characters of each it shows: a row may carry any number of
# fields of any length, and the refusal is an answer, not an echo.
MAX_NAMED_FIELDS = 20
MAX_SHOWN_CHARS = 100


def shown_name(name: str) -> str:
    """A field name as a refusal shows it: printable, at most MAX_SHOWN_CHARS characters.

    A pushed name may hold NUL, control characters or lone surrogates, which neither a JSON answer nor a JSONB
    column (a refusal from the ingest topic is stored) can carry: each such character is written as a \\uXXXX
    escape.
    """
    # Lone surrogates are not printable either (category Cs).
    shown = name if name.isprintable() else "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in name)
    return shown if len(shown) <= MAX_SHOWN_CHARS else shown[: MAX_SHOWN_CHARS - 1] + "…"


def undeclared_items(fields: Iterable[str], items: Sequence[DataItemSpec]) -> list[Violation]:
    """The centre accepts only the entry's declared data items (A15.1); the consent reference is allowed (A16.1)."""
    return RecordRules(items, from_text=False).undeclared(fields)


def header_violations(columns: Sequence[str], items: Sequence[DataItemSpec], *, merge: bool) -> list[Violation]:
    """What a CSV header lacks for its rows to be stored (A17.1).

    Replacing, a row is the whole record: without a column for a key or required item every row would be
    quarantined, so the batch is refused at its header. Merging, a row updates the stored record its key items
    name: only key items are needed.
    """
    present = set(columns)
    if merge:
        reason = "missing from the header: merged rows find their records by every key item"
        return [Violation(i.name, reason, "A17.1") for i in items if i.key and i.name not in present]
    reason = "missing from the header: a row replaces the whole record, and this item is required"
    return [Violation(i.name, reason, "A17.1") for i in items if (i.key or i.required) and i.name not in present]


def is_blank(value: Any) -> bool:
    """No value: absent, null, or an empty or blank string (an empty CSV cell)."""
    return value is None or (isinstance(value, str) and not value.strip())


Typed = tuple[Any, str | None]


def _string(value: Any, from_text: bool) -> Typed:
    if not isinstance(value, str):
        return None, "expected a string"
    # PostgreSQL text holds neither NUL nor lone surrogates, and no public data item needs them.
    if "\x00" in value:
        return None, "contains a NUL character"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return None, "is not valid Unicode text"
    return value, None


def _integer(value: Any, from_text: bool) -> Typed:
    if from_text:
        if isinstance(value, str) and _INTEGER.match(value.strip()):
            try:
                return int(value.strip()), None
            except ValueError:  # beyond the digits Python converts (sys.get_int_max_str_digits)
                return None, "too many digits"
        return None, "expected an integer" if isinstance(value, str) else "expected integer text"
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    return None, "expected an integer"  # a JSON string is not one: types are the pusher's to get right


def _decimal(value: Any, from_text: bool) -> Typed:
    if isinstance(value, str) and len(value) <= MAX_DECIMAL_DIGITS and _PLAIN_DECIMAL.match(value):
        return value, None  # already the form `format(Decimal(value), "f")` gives: most decimals are sent so
    if from_text and not isinstance(value, str):
        return None, "expected decimal text"
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
    # Written out without exponent, 1e999999999 would take a gigabyte: refused, however long the item may be.
    _, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)
    if number and max(len(digits), len(digits) + exponent, -exponent) > MAX_DECIMAL_DIGITS:
        return None, f"more than {MAX_DECIMAL_DIGITS} digits written out"
    return format(number, "f"), None


def _boolean(value: Any, from_text: bool) -> Typed:
    if from_text and not isinstance(value, str):
        return None, "expected boolean text"
    if isinstance(value, bool):
        return value, None
    text = value.strip().lower() if isinstance(value, str) and from_text else None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE, None
    return None, "expected true or false"


def _date(value: Any, from_text: bool) -> Typed:
    if from_text and not isinstance(value, str):
        return None, "expected date text"
    if isinstance(value, str):
        text = value.strip()
        if _DATE.match(text):
            try:
                parsed = date.fromisoformat(text)
            except ValueError:
                pass
            else:
                return (text if text.isascii() else parsed.isoformat()), None  # YYYY-MM-DD is its ISO form
    return None, "expected a date, YYYY-MM-DD"


def _datetime(value: Any, from_text: bool) -> Typed:
    if from_text and not isinstance(value, str):
        return None, "expected datetime text"
    if isinstance(value, str):
        text = value.strip()
        if _DATETIME.match(text):
            try:
                return datetime.fromisoformat(text).isoformat(), None
            except ValueError:
                pass
    return None, "expected an ISO 8601 date and time"


_TYPES: dict[str, Callable[[Any, bool], Typed]] = {
    "string": _string, "integer": _integer, "decimal": _decimal, "boolean": _boolean, "date": _date,
    "datetime": _datetime,
}  # fmt: skip


def typed_value(item: DataItemSpec, value: Any, *, from_text: bool) -> Typed:
    """A value of the item's declared type, as stored, or why it is not one (A17.1)."""
    typed = _TYPES.get(item.data_type)
    if typed is None:
        return None, f"the entry declares an unknown type {item.data_type!r}"
    return typed(value, from_text)


def length_problem(item: DataItemSpec, value: Any) -> str | None:
    """Whether a typed value fits the item's declared length (数据长度): characters of a string, digits of a
    number (A17.1)."""
    if item.length is None:
        return None
    if item.data_type == "string" and len(value) > item.length:
        return f"longer than {item.length} characters"
    if item.data_type in ("integer", "decimal"):
        # The stored forms hold only digits, a leading minus and (decimals) one point.
        text = str(value)
        digits = len(text) - text.startswith("-") - ("." in text)
        if digits > item.length:
            return f"more than {item.length} digits"
    return None


# Checks of a whole column of JSON values (one item across a chunk of records), each True only if every value is
# one the item accepts and stores exactly as sent (A17.1). They run in C (map, join, regular expressions, the
# datetime parsers): a few steps per column where `RecordRules.validate` takes a dozen per value. A column that
# fails one is not refused: its chunk is checked record by record, which finds and words each problem.
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
# A datetime exactly as `datetime.isoformat` writes it, if `datetime.fromisoformat` reads it at all (which refuses
# an offset of a day or more): six digits of a fraction that is not zero, an offset's minutes below 60 (it reads
# +05:60 as +06:00), never -00:00 (it writes +00:00). Writing each value again to compare took three times as long
# as this check (bench/README.md, "Ingest, stop 25").
_ISO_DATETIME = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.(?!0{6})[0-9]{6})?([+-][0-9]{2}:[0-5][0-9])?(?<!-00:00)\Z"
)


def _all_strings(column: list[Any]) -> bool:
    return set(map(type, column)) == {str}


def _strings_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    if not _all_strings(column) or not all(map(str.strip, column)):  # no blank value either
        return False
    joined = "".join(column)
    if "\x00" in joined or (item.length is not None and max(map(len, column)) > item.length):
        return False
    if joined.isascii():
        return True
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _integers_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    if set(map(type, column)) != {int}:  # type(True) is bool: booleans are not integers here
        return False
    return item.length is None or len(str(max(map(abs, column)))) <= item.length


def _decimals_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    # Every character of a plain decimal but its sign and point is a digit: within the length, so are its digits.
    longest = MAX_DECIMAL_DIGITS if item.length is None else min(item.length, MAX_DECIMAL_DIGITS)
    return _all_strings(column) and all(map(_PLAIN_DECIMAL.match, column)) and max(map(len, column)) <= longest


def _booleans_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    return set(map(type, column)) == {bool}


def _dates_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    if not _all_strings(column) or not all(map(_ISO_DATE.match, column)):
        return False
    try:
        all(map(date.fromisoformat, column))
    except ValueError:
        return False
    return True


def _datetimes_as_sent(column: list[Any], item: DataItemSpec) -> bool:
    if not _all_strings(column) or not all(map(_ISO_DATETIME.match, column)):
        return False
    try:
        deque(map(datetime.fromisoformat, column), maxlen=0)  # read each: a 31 February or a 25th hour fails
    except ValueError:
        return False
    return True


_AS_SENT: dict[str, Callable[[list[Any], DataItemSpec], bool]] = {
    "string": _strings_as_sent, "integer": _integers_as_sent, "decimal": _decimals_as_sent,
    "boolean": _booleans_as_sent, "date": _dates_as_sent, "datetime": _datetimes_as_sent,
}  # fmt: skip


class RecordRules:
    """An entry's declared items, compiled once for a batch: what a record may carry (A15.1), how each value is
    checked (A17.1) and how a record is keyed. A batch applies them to every record, so what does not depend on
    the record (each item's type check, whether it is required or a key) is decided here, once."""

    def __init__(self, items: Sequence[DataItemSpec], *, from_text: bool, merge: bool = False) -> None:
        self.items = items
        self.from_text = from_text
        # Merging, an item a record does not carry keeps its stored value: it is not missing (yet).
        self.merge = merge
        self._names = frozenset(i.name for i in items)
        self._declared = self._names | {CONSENT_FIELD}
        self._checks = [(i.name, i.key, i.required, _TYPES.get(i.data_type), i) for i in items]
        self._keys = [i.name for i in items if i.key]
        self.required = tuple(i.name for i in items if i.key or i.required)

    def undeclared(self, fields: Iterable[str]) -> list[Violation]:
        """Fields that are not declared items of the entry (A15.1), named as `shown_name` shows them."""
        if self._declared.issuperset(fields):
            return []
        extra = sorted(set(fields) - self._declared)
        found = [
            Violation(shown_name(name), "not a declared data item of the entry", "A15.1")
            for name in extra[:MAX_NAMED_FIELDS]
        ]
        if len(extra) > MAX_NAMED_FIELDS:
            found.append(Violation("…", f"and {len(extra) - MAX_NAMED_FIELDS} more undeclared fields", "A15.1"))
        return found

    def carries_every_item(self, record: Mapping[str, Any]) -> bool:
        """Whether the record names every declared item (with a value or blank)."""
        return self._names.issubset(record)

    def sent_items(self, record: Mapping[str, Any]) -> frozenset[str]:
        """The declared items the record names: those a merge changes (A17.1)."""
        return self._names.intersection(record)

    def validate(self, record: Mapping[str, Any]) -> tuple[dict[str, Any], list[Violation]]:
        """The record checked item by item against the entry's declared items: required, type, length, key
        (A17.1). Returns the stored form of its declared values (blank ones left out) and every violation found.

        Merging, a required item the record does not name is not checked here: the record keeps its stored value,
        and `merged_rows` refuses a new record that lacks it.
        """
        data: dict[str, Any] = {}
        found: list[Violation] = []
        for name, key, required, typed, item in self._checks:
            value = record.get(name)
            if value is None or (isinstance(value, str) and not value.strip()):
                if key:
                    found.append(Violation(name, "a key item needs a value", "A17.1"))
                elif required and not (self.merge and name not in record):
                    found.append(Violation(name, "required", "A17.1"))
                continue
            if typed is None:
                found.append(Violation(name, f"the entry declares an unknown type {item.data_type!r}", "A17.1"))
                continue
            value, problem = typed(value, self.from_text)
            if problem is None and item.length is not None:
                problem = length_problem(item, value)
            if problem:
                found.append(Violation(name, problem, "A17.1"))
            else:
                data[name] = value
        return data, found

    def validate_all(self, records: Sequence[dict[str, Any]]) -> list[tuple[dict[str, Any], list[Violation]]]:
        """`validate` of each record, with the same results, in bulk where it can be.

        Where every record carries every item and nothing else, as JSON, and every column passes its bulk check,
        each record is valid and stored as sent: the records are their own data (not copied). Otherwise each record
        is checked alone.
        """
        if self._stored_as_sent(records):
            return [(record, []) for record in records]
        return [self.validate(record) for record in records]

    def _stored_as_sent(self, records: Sequence[dict[str, Any]]) -> bool:
        if self.from_text or not records or any(len(record) != len(self._checks) for record in records):
            return False
        for name, _, _, _, item in self._checks:
            as_sent = _AS_SENT.get(item.data_type)
            try:
                column = list(map(itemgetter(name), records))
            except KeyError:  # another field in its place: the consent reference
                return False
            if as_sent is None or not as_sent(column, item):
                return False
        return True

    def key(self, data: Mapping[str, Any]) -> str:
        """The record's identity in its entry, by which records upsert (A17.1): its key items' values in
        declaration order. An entry that declares no key item keys records by their content, so a resent record
        is no duplicate."""
        if self._keys:
            return compact_json([data[name] for name in self._keys])
        return "sha256:" + hashlib.sha256(canonical_json(data).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    """One text for one value: sorted keys, no spaces, characters as they are."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def compact_json(value: Any) -> str:
    """The JSON of a stored value: as `canonical_json` writes it, keys in their order, written by orjson (many
    times faster) unless it holds an integer beyond 64 bits, which orjson refuses."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def record_key(data: Mapping[str, Any], items: Sequence[DataItemSpec]) -> str:
    """The record's identity in its entry (see `RecordRules.key`)."""
    return RecordRules(items, from_text=False).key(data)


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
