"""The subset of Solr's query syntax that CKAN clients send in `q` and `fq` of package_search, parsed into a small
tree the repository turns into SQL.

Understood: `field:value`, `field:"quoted value"`, `field:(a OR b)`, ranges `field:[from TO to]` (`{…}` exclusive,
`*` open), `+clause`, `-clause` and `NOT clause`, `AND`, `OR` and parentheses, and bare words (searched in the
dataset's text). Dates are Solr's: `2026-01-01T00:00:00Z` (with or without fractions or the Z, which CKAN's naive UTC
times lack), `NOW` and `NOW-7DAYS`-style arithmetic. What a harvester sends for an incremental run,
`metadata_modified:[2026-01-01T00:00:00Z TO *]`, is a range on the time a dataset's version was published.

Anything else is a `SearchSyntaxError`: CKAN answers Solr's refusal of a query as a "Search Error" (409).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# The fields a query may name, as CKAN's search index names them.
FIELDS = frozenset({
    "id", "name", "title", "text", "organization", "owner_org", "groups", "tags", "res_format", "license_id",
    "metadata_modified", "metadata_created", "dataset_type", "type", "capacity", "state", "site_id",
})  # fmt: skip
DATE_FIELDS = frozenset({"metadata_modified", "metadata_created"})


class SearchSyntaxError(ValueError):
    """A query Solr would refuse: its syntax, an unknown field, a value a field cannot hold."""


@dataclass(frozen=True)
class Match:
    """`field:value`; `value` None for `field:*` (the field has any value)."""

    field: str
    value: str | None


@dataclass(frozen=True)
class Range:
    """`field:[low TO high]`, each end None when open (`*`)."""

    field: str
    low: datetime | None
    high: datetime | None
    include_low: bool
    include_high: bool


@dataclass(frozen=True)
class Text:
    """A bare word: the dataset's text must hold it."""

    word: str


@dataclass(frozen=True)
class Not:
    clause: Clause


@dataclass(frozen=True)
class AllOf:
    clauses: tuple[Clause, ...]


@dataclass(frozen=True)
class AnyOf:
    clauses: tuple[Clause, ...]


Clause = Match | Range | Text | Not | AllOf | AnyOf
EVERYTHING = AllOf(())

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>"(?:[^"\\]|\\.)*")
      | (?P<open>[(\[{])
      | (?P<close>[)\]}])
      | (?P<word>(?:[^\s()\[\]{}"\\]|\\.)+)
    )""",
    re.VERBOSE | re.DOTALL,
)
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_FIELD = re.compile(r"^((?:[^:\\]|\\.)+?):(.*)$", re.DOTALL)
_DATE_MATH = re.compile(r"^NOW(?:([+-])(\d+)(YEAR|MONTH|DAY|HOUR|MINUTE|SECOND)S?)?$")
_UNITS = {"DAY": timedelta(days=1), "HOUR": timedelta(hours=1), "MINUTE": timedelta(minutes=1),
          "SECOND": timedelta(seconds=1), "MONTH": timedelta(days=30), "YEAR": timedelta(days=365)}  # fmt: skip


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, text) of each token: quoted, open, close, word."""
    found, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SearchSyntaxError(f"cannot parse the query at {text[position : position + 20]!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def parse_date(text: str, now: datetime) -> datetime | None:
    """A Solr date (None for `*`): ISO 8601, UTC when it names no zone, or NOW with arithmetic."""
    if text == "*":
        return None
    math = _DATE_MATH.match(text)
    if math:
        sign, amount, unit = math.groups()
        try:
            shift = _UNITS[unit] * int(amount) if amount else timedelta(0)
            return now - shift if sign == "-" else now + shift
        except OverflowError as exc:
            raise SearchSyntaxError(f"Invalid Date String: {text!r}") from exc
    try:
        when = datetime.fromisoformat(text.removesuffix("Z").removesuffix("z"))
    except ValueError as exc:
        raise SearchSyntaxError(f"Invalid Date String: {text!r}") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


class _Parser:
    def __init__(self, text: str, now: datetime) -> None:
        self.tokens = tokens(text)
        self.position = 0
        self.now = now

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise SearchSyntaxError("the query ends too early")
        self.position += 1
        return token

    def expression(self, closing: str | None = None) -> Clause:
        """Clauses up to the end (or the closing parenthesis): AND-groups joined by OR."""
        groups: list[list[Clause]] = [[]]
        while (token := self.peek()) is not None and token != ("close", ")"):
            kind, text = token
            if kind == "word" and text in ("OR", "||"):
                self.take()
                groups.append([])
            elif kind == "word" and text in ("AND", "&&"):
                self.take()
            else:
                groups[-1].append(self.unary())
        if closing is not None:
            if self.peek() != ("close", closing):
                raise SearchSyntaxError(f"missing {closing!r}")
            self.take()
        joined = [group[0] if len(group) == 1 else AllOf(tuple(group)) for group in groups if group]
        if len(groups) != len(joined):
            raise SearchSyntaxError("OR needs a clause on each side")
        return joined[0] if len(joined) == 1 else AnyOf(tuple(joined))

    def unary(self) -> Clause:
        kind, text = self.peek() or ("", "")
        if kind == "word" and text == "NOT":
            self.take()
            return Not(self.unary())
        if kind == "word" and text[0] in "+-" and len(text) > 1:
            self.tokens[self.position] = ("word", text[1:])
            clause = self.unary()
            return Not(clause) if text[0] == "-" else clause
        return self.primary()

    def primary(self) -> Clause:
        kind, text = self.take()
        if (kind, text) == ("open", "("):
            return self.expression(closing=")")
        if kind == "quoted":
            return Text(unescape(text[1:-1]))
        if kind != "word":
            raise SearchSyntaxError(f"unexpected {text!r}")
        fielded = _FIELD.match(text)
        if fielded is None:
            return EVERYTHING if text == "*" else Text(unescape(text))
        field, value = unescape(fielded.group(1)), fielded.group(2)
        if field == "*" and value in ("", "*"):
            return EVERYTHING
        if field not in FIELDS:
            raise SearchSyntaxError(f"undefined field {field}")
        if value:
            return self.match(field, unescape(value))
        return self.value(field)

    def value(self, field: str) -> Clause:
        """What follows `field:` when it is not a plain word: a quoted value, a range or a group."""
        kind, text = self.take()
        if kind == "quoted":
            return self.match(field, unescape(text[1:-1]))
        if (kind, text) == ("open", "("):
            return self.group(field)
        if kind == "open":
            return self.range(field, include_low=text == "[")
        raise SearchSyntaxError(f"no value for {field}")

    def group(self, field: str) -> Clause:
        """`field:(a OR b)`: values joined by OR (or AND), up to the closing parenthesis."""
        any_of: list[Clause] = []
        all_of: list[Clause] = []
        operator = "OR"
        while self.peek() != ("close", ")"):
            kind, text = self.take()
            if kind == "word" and text in ("OR", "AND"):
                operator = text
                continue
            if kind not in ("word", "quoted"):
                raise SearchSyntaxError(f"unexpected {text!r} in the values of {field}")
            clause = self.match(field, unescape(text[1:-1] if kind == "quoted" else text))
            (any_of if operator == "OR" else all_of).append(clause)
        self.take()
        if all_of:
            return AllOf((*all_of, *any_of))
        return AnyOf(tuple(any_of))

    def range(self, field: str, include_low: bool) -> Clause:
        low = self.take()
        if self.take() != ("word", "TO"):
            raise SearchSyntaxError(f"a range of {field} needs TO")
        high, close = self.take(), self.take()
        if low[0] != "word" or high[0] != "word" or close[0] != "close" or close[1] == ")":
            raise SearchSyntaxError(f"a range of {field} is [from TO to] or {{from TO to}}")
        if field not in DATE_FIELDS:
            raise SearchSyntaxError(f"ranges are only searched on dates, not on {field}")
        return Range(field, parse_date(unescape(low[1]), self.now), parse_date(unescape(high[1]), self.now),
                     include_low, close[1] == "]")  # fmt: skip

    def match(self, field: str, value: str) -> Clause:
        if value == "*":
            return Match(field, None)
        if field in DATE_FIELDS:
            when = parse_date(value, self.now)
            return Range(field, when, when, True, True)
        return Match(field, value)


def parse(text: str | None, now: datetime) -> Clause:
    """The query as a clause; an empty one (or `*:*`) matches everything."""
    if text is None or not text.strip() or text.strip() in ('""', "''"):
        return EVERYTHING
    parser = _Parser(text, now)
    try:
        clause = parser.expression()
    except RecursionError as exc:
        raise SearchSyntaxError("the query nests too deeply") from exc
    if parser.peek() is not None:
        raise SearchSyntaxError("unbalanced parentheses")
    return clause
