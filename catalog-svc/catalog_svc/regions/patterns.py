"""Resource-code patterns of compilation rules (A13.2), matched in linear time.

A region's administrator writes the pattern; every submission in the region is matched against it. Python's
`re` backtracks, so a pattern such as `^(a+)+$` takes exponential time on a near-miss and would stall the
service for everyone (A28.1). RE2 (google-re2) never backtracks: matching takes time linear in the input, and
patterns that need backtracking (back-references, look-around) do not compile at all, so they are refused when
the rule is set. Both the pattern and the text matched are capped in length as well.
"""

from __future__ import annotations

from functools import lru_cache

import re2  # type: ignore[import-untyped]  # google-re2 ships no type information

# The column the pattern is stored in holds 200 characters.
MAX_PATTERN_LENGTH = 200
# Resource codes are at most 60 characters (the entries' code column); nothing longer is ever matched.
MAX_SUBJECT_LENGTH = 60
# RE2 refuses a pattern whose compiled program would need more memory than this (its default is 8 MiB).
_MAX_PROGRAM_BYTES = 1 << 20


class PatternError(ValueError):
    """A pattern RE2 cannot compile, or one longer than MAX_PATTERN_LENGTH."""


def _options() -> re2.Options:
    options = re2.Options()
    options.max_mem = _MAX_PROGRAM_BYTES
    options.log_errors = False  # the refusal reaches the client; RE2 need not also print it
    return options


@lru_cache(maxsize=256)
def compile_pattern(pattern: str) -> re2._Regexp:
    """The pattern compiled by RE2; PatternError saying why it cannot be."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0].decode(errors="replace") if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise PatternError(f"not a regular expression RE2 accepts: {reason}") from exc


def full_match(pattern: str, text: str) -> bool:
    """Whether the whole of `text` matches `pattern`; a text longer than MAX_SUBJECT_LENGTH never does."""
    if len(text) > MAX_SUBJECT_LENGTH:
        return False
    return compile_pattern(pattern).fullmatch(text) is not None
