"""The input edge of every service: text PostgreSQL cannot store is refused with 422 before a handler runs (A28.1).

PostgreSQL's text types hold no NUL character, and asyncpg cannot encode an unpaired UTF-16 surrogate (JSON's
`"\\ud800"` decodes to one in Python); either one reaching a statement fails it, which answered 500. One dependency
on every router refuses them in path and query parameters, form fields and JSON bodies (values and keys, at any
depth), naming each field the way FastAPI's own validation errors do (`body.items.0.name`, `query.region`).

Bodies a route streams itself (ingest, imports) are not read here, so they are never buffered whole: their parsers
own them. A value a service decodes itself (a cursor) is the service's to check.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Iterator
from typing import Any

from fastapi import Request, params

from hub.errors import InvalidInput

# NUL, and the surrogate code points, which a str holds only unpaired (json.loads pairs the valid ones).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In a body without any of these bytes, json.loads can produce neither character: no \u escape, no raw NUL
# (it only appears in UTF-16/32 bodies), no ED lead byte (UTF-8-encoded surrogates, which json.loads lets through).
_ESCAPE_MARKERS = (b"\\u", b"\x00", b"\xed")
MESSAGE = "contains a NUL character (U+0000) or an unpaired surrogate, which cannot be stored"


def unstorable(text: str) -> bool:
    """Whether the text holds a character PostgreSQL's text types cannot store."""
    return _UNSTORABLE.search(text) is not None


def printable(name: str) -> str:
    """The name with unstorable characters written as `\\uXXXX`, so it can itself be answered in JSON."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", name)


def unstorable_locations(value: Any, prefix: str) -> Iterator[str]:
    """Where, in a decoded JSON value, a string or a key holds unstorable text, in document order."""
    # A key is pushed as its own string, just before its value, so keys and values come out in document order.
    pending: list[tuple[Any, str]] = [(value, prefix)]
    while pending:  # a loop, not recursion: a JSON document may nest as deep as the decoder allows
        item, where = pending.pop()
        if isinstance(item, str):
            if unstorable(item):
                yield where
        elif isinstance(item, dict):
            children: list[tuple[Any, str]] = []
            for key, child in item.items():
                location = f"{where}.{printable(key)}"
                children += [(key, location), (child, location)]
            pending.extend(reversed(children))
        elif isinstance(item, list):
            pending.extend(reversed([(child, f"{where}.{index}") for index, child in enumerate(item)]))


def _parses_as_json(content_type: str | None) -> bool:
    # The rule FastAPI applies before it decodes a body as JSON (fastapi.routing.get_request_handler).
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def _body_locations(request: Request) -> list[str]:
    body_field = getattr(request.scope.get("route"), "body_field", None)
    if body_field is None:
        return []  # the route declares no body: it streams it itself, or takes none
    if isinstance(body_field.field_info, params.Form):
        form = await request.form()  # FastAPI has parsed it already; this is its cached copy
        found = []
        for key, value in form.multi_items():
            text = value if isinstance(value, str) else (value.filename or "")
            if unstorable(key) or unstorable(text):
                found.append(f"body.{printable(key)}")
        return found
    if not _parses_as_json(request.headers.get("content-type")):
        return []
    raw = await request.body()
    if not raw or not any(marker in raw for marker in _ESCAPE_MARKERS):
        return []
    return list(unstorable_locations(await request.json(), "body"))


async def refuse_unstorable_input(request: Request) -> None:
    """FastAPI dependency: 422 naming every field whose text PostgreSQL cannot store (A28.1).

    It runs before the route's own parameters and body are validated, so nothing downstream sees such text.
    """
    found = [
        f"path.{name}" for name, value in request.path_params.items() if isinstance(value, str) and unstorable(value)
    ]
    found += [
        f"query.{printable(key)}"
        for key, value in request.query_params.multi_items()
        if unstorable(key) or unstorable(value)
    ]
    found += await _body_locations(request)
    if found:
        fields = list(dict.fromkeys(found))
        raise InvalidInput(
            f"Text that cannot be stored in: {', '.join(fields)}.",
            errors=[{"field": field, "message": MESSAGE} for field in fields],
        )
