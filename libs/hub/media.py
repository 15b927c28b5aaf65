"""The one reading of a text body's character set, for every service that takes text uploads (CSV imports, CSV
batches): the same Content-Type gets the same answer everywhere.

A charset Python does not know, or a codec that is no character set, is `415 Unsupported Media Type`: the body is
in a representation the route cannot read (RFC 9110 §15.5.16), not a request whose fields are wrong.
"""

from __future__ import annotations

import codecs

from hub.errors import UnsupportedMediaType

DEFAULT_CHARSET = "utf-8"
# Python codecs that are no character set although they decode bytes to text: they escape text (unicode_escape can
# make NUL and lone surrogates), encode host names (idna, punycode), map bytes generically (charmap) or refuse
# everything (undefined). Bytes-to-bytes and text-to-text codecs (base64, zlib, rot13…) are refused by their flag.
_NOT_CHARSETS = frozenset({"undefined", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "charmap"})


def _fault(message: str) -> dict[str, str]:
    return {"field": "charset", "message": message}


def text_charset(content_type: str | None, *, default: str = DEFAULT_CHARSET) -> str:
    """The Python codec to decode a text body with, from its Content-Type's `charset` parameter (RFC 9110 §8.3.2);
    `default` when the parameter is absent or empty. UTF-8 reads as `utf-8-sig`, so a byte-order mark, as
    spreadsheet programs write it, is not taken for part of the first cell.

    UnsupportedMediaType (415) for an unknown charset or a codec that is no character set.
    """
    _, *parameters = (content_type or "").split(";")
    charset = default
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        value = value.strip().strip('"').strip()
        if name.strip().lower() == "charset" and value:
            charset = value
    try:
        codec = codecs.lookup(charset)
    except (LookupError, ValueError) as exc:  # ValueError: a name Python cannot look up at all (a NUL in it)
        raise UnsupportedMediaType(f"Unknown charset {charset!r}.", errors=[_fault("unknown")]) from exc
    # _is_text_encoding is how str.encode and bytes.decode themselves refuse bytes-to-bytes codecs.
    if not getattr(codec, "_is_text_encoding", True) or codec.name in _NOT_CHARSETS:
        raise UnsupportedMediaType(
            f"{charset!r} is not a character set text can be written in.", errors=[_fault("not a character set")]
        )
    return "utf-8-sig" if codec.name == "utf-8" else codec.name
