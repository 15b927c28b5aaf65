"""The purpose a share grant is bound to, and the purpose a pull declares (A21.1): one rule comparing them.

An application states its purpose in words (e.g. 低保资格审核); every pull under the grant declares it again in the
`x-hub-purpose` header, percent-encoded UTF-8 (RFC 3986) since HTTP header values are Latin-1. The two match when
their normalised forms are equal: Unicode NFKC (full-width and half-width forms alike), whitespace runs folded to
one space and trimmed, case folded. Nothing looser: a different wording is a different purpose.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import unquote

PURPOSE_HEADER = "x-hub-purpose"
MAX_PURPOSE_CHARS = 200
_WHITESPACE = re.compile(r"\s+")


def normalise_purpose(text: str) -> str:
    """The form two purposes are compared in."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def declared_purpose(header_value: str | None) -> str | None:
    """The purpose a pull declares: the header percent-decoded (invalid UTF-8 sequences replaced), None when the
    header is absent or blank."""
    if header_value is None:
        return None
    text = unquote(header_value, errors="replace").strip()
    return text or None


def purposes_match(granted: str, declared: str) -> bool:
    """Whether a declared purpose is the granted one (A21.1)."""
    return normalise_purpose(granted) == normalise_purpose(declared)
