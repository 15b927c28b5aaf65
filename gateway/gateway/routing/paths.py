"""The path and query a request goes on with, and the addresses its answer may name (A12.1).

The gateway forwards the path as the client encoded it (the ASGI raw path), never its decoded form: decoding and
re-parsing `/agencies/%3Flimit=1` turned a path parameter into a query. The service decodes the forwarded path
exactly as the gateway decoded it to authorise the request, so both see the same route. Bytes HTTP does not allow
in a URL are percent-encoded; escapes already there stay as they are (the transport may still write an escape of a
character that means the same to the service, such as `%41`, as that character).
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote, unquote, urlsplit

from starlette.types import Scope

from gateway.routing.upstreams import Upstream
from hub.errors import InvalidInput, NotFound

# RFC 3986 §3.3 pchar and "/", or an escape; everything else is escaped. A query may also hold "?".
_UNSAFE_IN_PATH = re.compile(rb"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]")
_UNSAFE_IN_QUERY = re.compile(rb"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DOT_SEGMENTS = frozenset({".", ".."})


def percent_encoded(raw: bytes, unsafe: re.Pattern[bytes] = _UNSAFE_IN_PATH) -> str:
    """`raw` with every byte a URL may not hold percent-encoded, and nothing else changed."""
    return unsafe.sub(lambda match: b"%%%02X" % match[0][0], raw).decode("ascii")


def raw_path(scope: Scope) -> bytes:
    """The path as the client sent it (ASGI's raw_path; a server that gives none gets its decoded path re-encoded)."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw)
    return quote(scope["path"], safe="/:@!$&'()*+,;=").encode("ascii")


def upstream_target(raw: bytes, query: bytes, prefix: str) -> str:
    """The path and query the service behind /api/<prefix>/ is asked for: what follows the prefix, as sent.

    Refused with 422 naming the path (A28.1: bad input is answered, not crashed on): control characters, which no
    route of the hub holds, and "." or ".." segments, which URL libraries resolve away, so that the service would
    be asked for another route than the one the gateway authorised.
    """
    parts = raw.split(b"/", 3)
    if len(parts) < 4 or unquote(parts[1].decode("latin-1")) != "api" or unquote(parts[2].decode("latin-1")) != prefix:
        # The decoded path named the prefix only through an escaped "/": no service answers under what was sent.
        raise NotFound(f"No service answers under {percent_encoded(raw)}.")
    return _checked_target(raw, parts[3], query)


def mounted_target(raw: bytes, query: bytes, mount: str) -> str:
    """The path and query the service behind the gateway's /<mount>/ is asked for (below its mount's routes): what
    follows the mount, as sent, refused as upstream_target refuses it."""
    parts = raw.split(b"/", 2)
    if len(parts) < 3 or unquote(parts[1].decode("latin-1")) != mount:
        raise NotFound(f"No service answers under {percent_encoded(raw)}.")
    return _checked_target(raw, parts[2], query)


def _checked_target(raw: bytes, rest: bytes, query: bytes) -> str:
    inside = percent_encoded(b"/" + rest)
    decoded = unquote(inside, errors="replace")
    if _CONTROL.search(decoded):
        raise _invalid_path(raw, "a path may not hold control characters (%00-%1F, %7F)")
    if _DOT_SEGMENTS.intersection(decoded.split("/")):
        raise _invalid_path(raw, 'a path may not hold "." or ".." segments')
    return f"{inside}?{percent_encoded(query, _UNSAFE_IN_QUERY)}" if query else inside


def _invalid_path(raw: bytes, message: str) -> InvalidInput:
    shown = percent_encoded(raw)
    return InvalidInput(f"Invalid path {shown}: {message}.", errors=[{"field": "path", "message": message}])


_REFERENCES = frozenset({"location", "content-location"})


def public_header(name: str, value: str, upstream: Upstream) -> str | None:
    """A service's response header as the client may see it, or None to drop it (A12.1: the mesh stays inside).

    A reference to the service (its absolute URL, or a path on it) becomes the same reference under the gateway's
    /api/<prefix>/; any other header that still names the service's address is dropped.
    """
    if name.lower() in _REFERENCES and value.startswith("/") and not value.startswith("//"):
        value = upstream.base_url + value.removeprefix(urlsplit(upstream.base_url).path)
    address = _address(upstream.base_url)
    if address not in value.lower():
        return value  # the common case: nothing in it names the service
    public = _service_url(upstream.base_url).sub(lambda _: upstream.public_base, value)
    return None if address in public.lower() else public


@lru_cache(maxsize=256)
def _address(base_url: str) -> str:
    """The service's host:port (lowercase) in a base URL (Upstream.address, computed once per URL)."""
    return urlsplit(base_url).netloc.lower()


@lru_cache(maxsize=256)
def _service_url(base_url: str) -> re.Pattern[str]:
    return re.compile(re.escape(base_url) + "(?=[/?#]|$)", re.IGNORECASE)
