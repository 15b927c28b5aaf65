"""The per-grant fingerprint every delivery under a share grant carries (A21.1), as pure functions.

A value is marked only where its text allows several spellings of one and the same value, and the mark is which
spelling is delivered:

* a decimal item: its trailing fractional zeros. The canonical form has none (`12.5`, `12`, `-0.25`); a delivery
  writes it with 0 to `DECIMAL_EXTRA_ZEROS` zeros added (`12.5`, `12.50`, `12.500`, `12.5000`; `12`, `12.0`, …),
  never more digits than the item's declared length (数据长度, A17.1). `Decimal` equality holds for every choice.
* a datetime item: its fraction of a second, written with as many digits as the value needs up to six
  (`10:00:00`, `10:00:00.0`, … `10:00:00.000000`; `10:00:00.5`, … `10:00:00.500000`). The instant and the UTC
  offset are those stored (the date, the time, the zone's text are copied as they are).

Strings, integers, booleans and dates are never touched: any other spelling of them would be another value, or
text a reader does not expect.

Which spelling a grant gets is `PRF(grant key, type tag + canonical text) mod (number of spellings)`: BLAKE2b
keyed with the grant's secret `fingerprint_key`. The choice depends on the value alone, not on its row or column
name, so it survives reordering rows, dropping columns, taking a subset of rows and a CSV round trip (text stays
text); it does not survive re-typing (a spreadsheet that reads `12.50` as a number and writes `12.5`). The tracer
(`tracer.py`) reads a file back and counts, per grant, the values spelled as that grant's key chooses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

from aggregation_svc.ingest.rules import MAX_DECIMAL_DIGITS
from hub.contracts.catalog import DataItemSpec

# The most zeros a mark appends to a decimal's canonical form: four spellings (2 bits) where the length allows.
# More would read oddly (12.500000) for no gain a leaked file needs: a hundred values already name a grant.
DECIMAL_EXTRA_ZEROS = 3
# Python's isoformat, PostgreSQL and RFC 3339 write at most microseconds.
DATETIME_FRACTION_DIGITS = 6
MARKED_TYPES = frozenset({"decimal", "datetime"})

# A decimal as the centre stores it (`format(Decimal(text), "f")`, see ingest.rules): no exponent, no plus sign,
# no leading zeros.
_PLAIN_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?\Z")
# An ISO 8601 date and time with seconds, as `datetime.isoformat` writes it (a space for the T is read too).
_DATETIME = re.compile(
    r"(?P<head>[0-9]{4}-[0-9]{2}-[0-9]{2})[T ](?P<time>[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?:\.(?P<fraction>[0-9]{1,6}))?(?P<zone>Z|[+-][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{6})?)?)?\Z"
)


class Spelling(NamedTuple):
    """How one value is written: its canonical text (the PRF's input), how many zeros this text writes beyond it
    (which of the value's spellings it is), and how many spellings the value allows (one carries no mark)."""

    canonical: str
    zeros: int
    spellings: int


def decimal_room(length: int | None) -> int:
    """The most digits a decimal of an item with this declared length may have."""
    return MAX_DECIMAL_DIGITS if length is None else min(length, MAX_DECIMAL_DIGITS)


def decimal_spelling(text: str, length: int | None) -> Spelling | None:
    """The spelling of plain decimal text within an item of this length, or None if it is not plain decimal text.

    A text with more zeros than any spelling allows gets `zeros >= spellings`: it is nobody's choice.
    """
    if not _PLAIN_DECIMAL.match(text):
        return None
    point = "." in text
    canonical = text.rstrip("0").rstrip(".") if point else text
    whole = "." not in canonical
    digits = len(canonical) - (canonical[0] == "-") - (not whole)
    count = 1 + max(0, min(DECIMAL_EXTRA_ZEROS, decimal_room(length) - digits))
    # "12" → "12.00" adds a point and two zeros; "12.5" → "12.50" adds one zero.
    return Spelling(canonical, len(text) - len(canonical) - (whole and point), count)


def _respelled_decimal(canonical: str, zeros: int) -> str:
    if not zeros:
        return canonical
    return canonical + ("0" * zeros if "." in canonical else "." + "0" * zeros)


def decimal_choices(canonical: str, length: int | None) -> list[str]:
    """Every spelling of a canonical decimal an item of this length allows, the canonical one first."""
    found = decimal_spelling(canonical, length)
    if found is None or found.canonical != canonical:
        raise ValueError(f"not a canonical decimal: {canonical!r}")
    return [_respelled_decimal(canonical, zeros) for zeros in range(found.spellings)]


def _datetime_spelling(match: re.Match[str]) -> Spelling:
    written = match["fraction"] or ""
    fraction = written.rstrip("0")
    zone = match["zone"] or ""
    # One instant, one canonical text: Z is +00:00 (isoformat's form), a space is the T.
    canonical = f"{match['head']}T{match['time']}{'.' if fraction else ''}{fraction}{'+00:00' if zone == 'Z' else zone}"
    return Spelling(canonical, len(written) - len(fraction), DATETIME_FRACTION_DIGITS + 1 - len(fraction))


def _respelled_datetime(match: re.Match[str], zeros: int) -> str:
    """The text with its fraction written with `zeros` more digits than it needs; the date, the time and the zone
    are copied as written."""
    fraction = (match["fraction"] or "").rstrip("0")
    digits = len(fraction) + zeros
    written = "." + fraction.ljust(digits, "0") if digits else ""
    return match.string[: match.end("time")] + written + (match["zone"] or "")


def datetime_spelling(text: str) -> Spelling | None:
    """The spelling of ISO 8601 datetime text with seconds, or None if it is not such text."""
    match = _DATETIME.match(text)
    return None if match is None else _datetime_spelling(match)


def datetime_choices(canonical: str) -> list[str]:
    """Every spelling of a canonical datetime text: its fraction written with each allowed number of digits."""
    match = _DATETIME.match(canonical)
    if match is None or _datetime_spelling(match).canonical != canonical:
        raise ValueError(f"not a canonical datetime: {canonical!r}")
    return [_respelled_datetime(match, zeros) for zeros in range(_datetime_spelling(match).spellings)]


def spelling(item: DataItemSpec, text: str) -> Spelling | None:
    """The spelling of a value of a marked item (decimal, datetime), or None (another type, or other text)."""
    if item.data_type == "decimal":
        return decimal_spelling(text, item.length)
    if item.data_type == "datetime":
        return datetime_spelling(text)
    return None


def choices(item: DataItemSpec, canonical_value: str) -> list[str]:
    """The spellings a delivery may give a canonical value of the item: one for an unmarked type."""
    if item.data_type == "decimal":
        return decimal_choices(canonical_value, item.length)
    if item.data_type == "datetime":
        return datetime_choices(canonical_value)
    return [canonical_value]


def prf_message(data_type: str, canonical: str) -> bytes:
    """What the keyed PRF reads: the type tag and the canonical text (a decimal and a datetime never collide)."""
    return f"{data_type}\x00{canonical}".encode()


class KeyedChoice:
    """The grant's choices: `PRF(key, type tag + canonical) mod count`, BLAKE2b keyed with the grant's key."""

    def __init__(self, key: bytes) -> None:
        # One keyed state, copied per value: cheaper than keying a new hash each time.
        self._keyed = hashlib.blake2b(key=key, digest_size=8)

    def index(self, data_type: str, canonical: str, count: int) -> int:
        """Which of `count` spellings this grant gives the value (0 when there is one)."""
        if count < 2:
            return 0
        digest = self._keyed.copy()
        digest.update(prf_message(data_type, canonical))
        # A 64-bit value mod a count of at most 7: each spelling has probability within 2^-61 of 1/count.
        return int.from_bytes(digest.digest(), "big") % count


# Values one grant's marks remember before forgetting them all, and grants remembered: a page repeats values
# (rates, amounts, times) and a grantee pulls the same records again, yet memory stays within a few megabytes
# (about 300 bytes a value) however many grants pull.
_CACHE_LIMIT = 4096
_GRANTS_REMEMBERED = 16


class GrantMarks:
    """The spellings one grant's deliveries give values, remembered per value."""

    def __init__(self, key: bytes) -> None:
        self._choice = KeyedChoice(key)
        self._cache: dict[tuple[str, int | None, str], str] = {}

    def _respelled(self, data_type: str, length: int | None, text: str) -> str:
        if data_type == "decimal":
            found = decimal_spelling(text, length)
            if found is None or found.spellings < 2:
                return text
            return _respelled_decimal(found.canonical, self._choice.index(data_type, found.canonical, found.spellings))
        match = _DATETIME.match(text)
        if match is None:
            return text
        found = _datetime_spelling(match)
        if found.spellings < 2:
            return text
        return _respelled_datetime(match, self._choice.index(data_type, found.canonical, found.spellings))

    def spell(self, data_type: str, length: int | None, value: Any) -> Any:
        """The value of a decimal or datetime item (of this length) as this grant's delivery spells it; anything
        that is not such text is returned unchanged."""
        if not isinstance(value, str):
            return value
        cached = self._cache.get((data_type, length, value))
        if cached is not None:
            return cached
        marked = self._respelled(data_type, length, value)
        if len(self._cache) >= _CACHE_LIMIT:
            self._cache.clear()
        self._cache[(data_type, length, value)] = marked
        return marked


def marked_items(items: Sequence[DataItemSpec]) -> list[tuple[str, str, int | None]]:
    """(name, type, length) of the items whose values carry the mark: decimals and datetimes."""
    return [(i.name, i.data_type, i.length) for i in items if i.data_type in MARKED_TYPES]


def _marked_copy(
    data: Mapping[str, Any], marked: Sequence[tuple[str, str, int | None]], marks: GrantMarks
) -> dict[str, Any]:
    copy = dict(data)
    for name, data_type, length in marked:
        if name in copy:
            copy[name] = marks.spell(data_type, length, copy[name])
    return copy


@lru_cache(maxsize=_GRANTS_REMEMBERED)
def _grant_marks(key: bytes) -> GrantMarks:
    # The last grants' marks stay in memory (their keys are the centre's, read from its database anyway), so
    # marking a page record by record costs a PRF per value new to the grant, not one per record.
    return GrantMarks(key)


def mark_record(data: Mapping[str, Any], items: Sequence[DataItemSpec], key: bytes) -> dict[str, Any]:
    """A copy of the record as delivered under the grant whose fingerprint key is `key` (A21.1): every value of a
    decimal or datetime item spelled as the key chooses (see the module docstring); every other value, and every
    field that is no such item, unchanged."""
    return _marked_copy(data, marked_items(items), _grant_marks(key))


def mark_records(
    records: Sequence[Mapping[str, Any]], items: Sequence[DataItemSpec], key: bytes
) -> list[dict[str, Any]]:
    """`mark_record` of each record, the items looked at once."""
    marked, marks = marked_items(items), _grant_marks(key)
    return [_marked_copy(record, marked, marks) for record in records]
