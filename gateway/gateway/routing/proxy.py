"""Forwarding a request to its upstream: the only path into the mesh (A12.1).

The proxy speaks to the services with aiohttp's client directly (one pooled session, `create_session`): the
gateway's CPU per read is mostly the HTTP on both of its sides, and httpx over aiohttp cost about two and a half
times what aiohttp alone does (bench/README.md, "The gateway's profile")."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
from fastapi import Request
from multidict import CIMultiDict
from opentelemetry.trace import Tracer
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OPENED, HalfOpenedState, OpenedState
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send
from yarl import URL

from gateway.context import GatewayContext
from gateway.identities.keyring import Principal
from gateway.routing.paths import public_header
from gateway.routing.upstreams import Upstream
from gateway.settings import Settings
from hub.errors import BadRequest, NotFound, Problem, ServiceUnavailable, UpstreamTimeout
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller
from hub.telemetry import client_span

# RFC 9110 §7.6.1 hop-by-hop headers, plus what the gateway itself sets.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "authorization",
        "x-api-key",
        INTERNAL_TOKEN_HEADER,
    }
)
# Who the client is and how it came in: the gateway states it (a client's own claim is never passed on).
FORWARDING = frozenset({"forwarded", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"})
# The gateway's own server answers with these; the service's copies would only duplicate them.
SERVER_OWN = frozenset({"date", "server"})
NOT_FORWARDED = HOP_BY_HOP | FORWARDING
NOT_RELAYED = HOP_BY_HOP | SERVER_OWN
# What a service tells the audit about a delivery (A21.1, A36.1); read and removed here.
AUDIT_HEADER_PREFIX = "x-hub-audit-"
UNSENDABLE = "The request cannot be passed on: its path, query or headers hold what HTTP does not allow."
# Answers in which a service says it cannot serve now: its faults, counted by its circuit breaker.
UPSTREAM_FAULT_STATUSES = frozenset({502, 503, 504})
# aiohttp's own request headers, which the service gets only when the client sent them.
NOT_ADDED = frozenset({"Accept", "Accept-Encoding", "User-Agent", "Content-Type"})
# An answer declaring at most this many bytes is read whole and relayed in one piece: one send through the
# middleware instead of two or more, and no task watching for the caller's disconnect. Longer ones, and answers of
# no declared length, are streamed.
WHOLE_ANSWER_BYTES = 256 * 1024


def create_session(settings: Settings) -> aiohttp.ClientSession:
    """The pooled session every forwarded request goes through.

    It keeps no cookies: it is shared by every caller, so a cookie a service sets for one caller (the portal's
    language) would otherwise go with everybody's later requests; each caller's own Cookie header is forwarded as
    it sent it (forwarded_headers). Answers are relayed as the service encoded them (no decompression).
    """
    connector = aiohttp.TCPConnector(
        limit=settings.upstream_max_connections, keepalive_timeout=settings.upstream_keepalive_seconds
    )
    timeout = aiohttp.ClientTimeout(
        total=None,
        # Waiting for a pooled connection, then connecting (when a new one is needed), then each read.
        connect=settings.upstream_read_timeout_seconds,
        sock_connect=settings.upstream_connect_timeout_seconds,
        sock_read=settings.upstream_read_timeout_seconds,
    )
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=timeout,
        auto_decompress=False,
        skip_auto_headers=NOT_ADDED,
        trust_env=False,
    )


def resolve(upstreams: dict[str, Upstream], prefix: str) -> Upstream:
    """The upstream serving a route prefix, or NotFound."""
    upstream = upstreams.get(prefix)
    if upstream is None:
        raise NotFound(f"No service answers under /api/{prefix}/.")
    return upstream


def caller_of(principal: Principal) -> Caller:
    """The caller an internal token names, from the principal the gateway authenticated."""
    return Caller(
        subject=principal.client_id,
        kind=principal.kind,
        roles=tuple(sorted(principal.roles)),
        agency_id=principal.agency_id,
        region_code=principal.region_code,
    )


def forwarded_headers(scope: Scope, token: str) -> CIMultiDict[str]:
    """The client's end-to-end headers as it sent them, byte for byte (never its credentials nor its forwarding
    claims), the internal token, and X-Forwarded-* as the gateway established them (the client's address is a
    trusted proxy's word or the socket's).

    UnicodeDecodeError for a value that is not UTF-8: aiohttp writes header values as UTF-8, so such a value could
    not go on byte for byte (HTTP wants ASCII; UTF-8 is what clients send beyond it)."""
    headers: CIMultiDict[str] = CIMultiDict()
    for name, value in scope["headers"]:
        text = name.decode("latin-1")
        if text not in NOT_FORWARDED or text == "content-length":
            headers.add(text, value.decode())
    client = scope.get("client")
    headers[INTERNAL_TOKEN_HEADER] = token
    headers["x-forwarded-for"] = client[0] if client else ""
    headers["x-forwarded-proto"] = scope.get("scheme", "http")
    return headers


class CallerBody:
    """The caller's body, streamed on as it arrives, remembering whether the caller failed to deliver it (stopped
    sending, or sent more than its route's cap): the transport reports that as a broken connection, and it must not
    be taken for the service's fault."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self.failure: Exception | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._request.stream():
                if chunk:
                    yield chunk
        except Exception as exc:
            self.failure = exc
            raise


def callers_fault(exc: BaseException, body: CallerBody | None) -> Problem | None:
    """The problem to answer when a send failed through the caller's doing, or None when the service failed."""
    if body is not None and body.failure is not None:
        if isinstance(body.failure, Problem):  # the body cap's 413 (gateway.access.limits.BodyTooLarge)
            return body.failure
        return BadRequest("The request body ended before it was complete.")
    if isinstance(exc, ValueError) and not isinstance(exc, aiohttp.ClientConnectorCertificateError):
        # A header or URL HTTP cannot carry; its message may name the service's address: it is not passed on.
        return BadRequest(UNSENDABLE)
    return None


class _FaultyAnswer(Exception):
    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response


async def send(
    session: aiohttp.ClientSession, tracer: Tracer, breakers: AsyncCircuitBreakerFactory, method: str, url: URL,
    headers: CIMultiDict[str], body: CallerBody | None, upstream: Upstream,
) -> aiohttp.ClientResponse:  # fmt: skip
    """The service's answer to the request (its headers read, its body not yet), through the service's circuit
    breaker.

    The breaker counts the service's faults only: no connection, no answer in time, a connection broken before the
    answer came, and a 502/503/504 answer (the service says it cannot serve now; the answer is still passed on).
    It never counts what a caller caused: a body stopped or over its cap, a request HTTP cannot carry, any 4xx, nor
    a 500, which one request's input can provoke at will, so that counting it would let one caller shut a service
    off for everyone. purgatory knows no neutral outcome: what is not counted resets the count like a success.

    Each replica has a breaker of its own (keyed by its address): one failed replica must not shut off the others
    (A29.1). A replica nobody answers at gets no more requests until its readiness passes again, and a replica whose
    readiness passed after its circuit opened gets a trial request at once rather than when the circuit's time is up:
    the gateway recovers with its service (the PostgreSQL drill: errors ended 8 s after the database was back).
    """
    breaker = await breakers.get_breaker(upstream.address)
    context = breaker.context
    if context.state == OPENED and context.opened_at is not None and upstream.ready_again_since(context.opened_at):
        context.set_state(HalfOpenedState())
    outcome: aiohttp.ClientResponse | Problem
    try:
        async with breaker:
            try:
                # The client span of a call actually made: none while the circuit is open.
                with client_span(tracer, method, str(url), headers) as span:
                    outcome = await session.request(method, url, headers=headers, data=body, allow_redirects=False)
                    span.set_attribute("http.response.status_code", outcome.status)
            except Exception as exc:
                fault = callers_fault(exc, body)
                if fault is None:
                    raise
                outcome = fault
            else:
                if outcome.status in UPSTREAM_FAULT_STATUSES:
                    raise _FaultyAnswer(outcome)
    except _FaultyAnswer as faulty:
        return faulty.response
    except OpenedState as exc:
        raise ServiceUnavailable(
            f"{upstream.name} is failing; the gateway stopped calling it for a while.", service=upstream.name
        ) from exc
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
        # Nobody there, or nobody answering the connection in time.
        upstream.unreachable()
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
        raise UpstreamTimeout(f"{upstream.name} did not answer in time.", service=upstream.name) from exc
    except aiohttp.ClientError as exc:
        # A connection broken before the answer came, or an answer that is not HTTP.
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    if isinstance(outcome, Problem):
        raise outcome
    return outcome


class WholeAnswer(Response):
    """A service's answer read whole, relayed with the service's own headers (its Content-Length among them)."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.status_code, self.raw_headers, self.body, self.background = status, headers, body, None


class RelayedResponse(StreamingResponse):
    """A service's answer streamed on to the caller. Its connection is released however the relay ends (read to the
    end, the caller gone, the service broken off); one not read to the end is closed rather than pooled, so no later
    request reads this one's leftovers."""

    def __init__(self, response: aiohttp.ClientResponse, headers: list[tuple[bytes, bytes]]) -> None:
        super().__init__(response.content.iter_any(), status_code=response.status)
        self.raw_headers = headers
        self.upstream_response = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            if self.upstream_response.content.is_eof():
                self.upstream_response.release()
            else:
                self.upstream_response.close()


async def forward(request: Request, context: GatewayContext, upstream: Upstream, target: str) -> Response:
    """Send the request to `target` (path and query, gateway.routing.paths.upstream_target) on the upstream and
    relay its answer; 503/504 problem+json when the upstream cannot answer, 400 when the request cannot be sent."""
    session, tracer = context.session, context.tracer
    assert session is not None, "opened by the lifespan"
    assert tracer is not None, "set by the lifespan"
    scope = request.scope
    method: str = scope["method"]
    # Who the guard authenticated, and what its audit record takes from the forwarding (gateway.access.guard).
    principal: Principal = request.state.principal
    audit: dict[str, Any] = request.state.audit
    token = context.signer.sign(caller_of(principal), audience=upstream.name)
    has_body = method not in ("GET", "HEAD", "OPTIONS", "DELETE") or any(
        name == b"content-length" for name, _ in scope["headers"]
    )
    body = CallerBody(request) if has_body else None
    try:
        # As the client encoded it (gateway.routing.paths): yarl must not re-encode or normalise it.
        url = URL(upstream.base_url + target, encoded=True)
        headers = forwarded_headers(scope, token)
    except ValueError as exc:
        raise BadRequest(UNSENDABLE) from exc
    audit["request_out"] = datetime.now(UTC)
    response = await send(session, tracer, context.breakers, method, url, headers, body, upstream)
    audit["response_in"] = datetime.now(UTC)
    # The guard records the answer before relaying it (A36.1); its length is the one the service declared.
    declared = response.headers.get("content-length")
    audit["response_length"] = declared
    try:
        relayed = relayed_headers(response, upstream, audit)
        if declared is not None and declared.isdigit() and int(declared) <= WHOLE_ANSWER_BYTES:
            whole = await response.read()
            relayed.append((b"content-length", declared.encode("latin-1")))
            return WholeAnswer(response.status, relayed, whole)
    except aiohttp.ClientError as exc:
        response.close()
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    except BaseException:
        response.close()
        raise
    return RelayedResponse(response, relayed)


def relayed_headers(
    response: aiohttp.ClientResponse, upstream: Upstream, audit: dict[str, Any]
) -> list[tuple[bytes, bytes]]:
    """The service's answer headers the caller gets, as raw ASGI headers (the audit's taken out, none naming the
    service's address)."""
    headers = []
    for raw_name, raw_value in response.raw_headers:
        lower = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        if lower.startswith(AUDIT_HEADER_PREFIX):
            audit[lower.removeprefix(AUDIT_HEADER_PREFIX)] = value
        elif lower not in NOT_RELAYED and (public := public_header(lower, value, upstream)) is not None:
            headers.append((lower.encode("latin-1"), public.encode("latin-1")))
    return headers
