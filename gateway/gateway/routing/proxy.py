"""Forwarding a request to its upstream: the only path into the mesh (A12.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import anyio
import httpx
from fastapi import Request
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from gateway.identities.keyring import Principal
from gateway.routing.paths import public_header
from gateway.routing.upstreams import Upstream
from hub.errors import BadRequest, NotFound, Problem, ServiceUnavailable, UpstreamTimeout
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner

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


def forwarded_headers(request: Request, token: str) -> list[tuple[bytes, bytes]]:
    """The client's end-to-end headers as it sent them, byte for byte (never its credentials nor its forwarding
    claims), the internal token, and X-Forwarded-* as the gateway established them (the client's address is a
    trusted proxy's word or the socket's)."""
    headers: list[tuple[bytes, bytes]] = [
        (name, value) for name, value in request.scope["headers"] if name.decode("latin-1") not in NOT_FORWARDED
    ]
    if "content-length" in request.headers:
        headers.append((b"content-length", request.headers["content-length"].encode("latin-1")))
    client = request.client.host if request.client else ""
    headers += [
        (INTERNAL_TOKEN_HEADER.encode(), token.encode()),
        (b"x-forwarded-for", client.encode()),
        (b"x-forwarded-proto", request.url.scheme.encode()),
    ]
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
                yield chunk
        except Exception as exc:
            self.failure = exc
            raise


def callers_fault(exc: Exception, body: CallerBody | None) -> Problem | None:
    """The problem to answer when a send failed through the caller's doing, or None when the service failed."""
    if body is not None and body.failure is not None:
        if isinstance(body.failure, Problem):  # the body cap's 413 (gateway.access.limits.BodyTooLarge)
            return body.failure
        return BadRequest("The request body ended before it was complete.")
    if isinstance(exc, httpx.InvalidURL | httpx.LocalProtocolError | ValueError):
        # Its message may name the service's address: it is not passed on.
        return BadRequest(UNSENDABLE)
    return None


class _FaultyAnswer(Exception):
    def __init__(self, response: httpx.Response) -> None:
        self.response = response


async def send(
    client: httpx.AsyncClient, breakers: AsyncCircuitBreakerFactory, outgoing: httpx.Request,
    body: CallerBody | None, upstream: Upstream,
) -> httpx.Response:  # fmt: skip
    """The service's answer to the request, through the service's circuit breaker.

    The breaker counts the service's faults only: no connection, no answer in time, a connection broken before the
    answer came, and a 502/503/504 answer (the service says it cannot serve now; the answer is still passed on).
    It never counts what a caller caused: a body stopped or over its cap, a request HTTP cannot carry, any 4xx, nor
    a 500, which one request's input can provoke at will, so that counting it would let one caller shut a service
    off for everyone. purgatory knows no neutral outcome: what is not counted resets the count like a success.
    """
    breaker = await breakers.get_breaker(upstream.name)
    outcome: httpx.Response | Problem
    try:
        async with breaker:
            try:
                outcome = await client.send(outgoing, stream=True)
            except Exception as exc:
                fault = callers_fault(exc, body)
                if fault is None:
                    raise
                outcome = fault
            else:
                if outcome.status_code in UPSTREAM_FAULT_STATUSES:
                    raise _FaultyAnswer(outcome)
    except _FaultyAnswer as faulty:
        return faulty.response
    except OpenedState as exc:
        raise ServiceUnavailable(
            f"{upstream.name} is failing; the gateway stopped calling it for a while.", service=upstream.name
        ) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # The transport reports a refused connection as ConnectTimeout too: either way nobody is there.
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"{upstream.name} did not answer in time.", service=upstream.name) from exc
    except (httpx.HTTPError, aiohttp.ClientError) as exc:
        # The transport lets through, unrenamed, the aiohttp errors it has no httpx name for (a malformed answer).
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    if isinstance(outcome, Problem):
        raise outcome
    return outcome


class RelayedResponse(StreamingResponse):
    """A service's answer streamed on to the caller. Its connection is released however the relay ends (read to the
    end, the caller gone, the service broken off); one not read to the end is closed rather than pooled (aiohttp
    pools a connection only once its answer was read whole), so no later request reads this one's leftovers."""

    def __init__(self, response: httpx.Response, headers: dict[str, str]) -> None:
        super().__init__(response.aiter_raw(), status_code=response.status_code, headers=headers)
        self.upstream_response = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self.upstream_response.aclose()


async def forward(
    request: Request,
    client: httpx.AsyncClient,
    signer: TokenSigner,
    breakers: AsyncCircuitBreakerFactory,
    upstream: Upstream,
    target: str,
    principal: Principal,
    audit: dict[str, Any],
) -> StreamingResponse:
    """Stream the request to `target` (path and query, gateway.routing.paths.upstream_target) on the upstream and
    its answer back; 503/504 problem+json when the upstream cannot answer, 400 when the request cannot be sent."""
    token = signer.sign(caller_of(principal), audience=upstream.name)
    has_body = request.method not in ("GET", "HEAD", "OPTIONS", "DELETE") or "content-length" in request.headers
    body = CallerBody(request) if has_body else None
    try:
        outgoing = client.build_request(
            request.method, upstream.base_url + target, headers=forwarded_headers(request, token), content=body
        )
    except (httpx.InvalidURL, ValueError) as exc:
        raise BadRequest(UNSENDABLE) from exc
    audit["request_out"] = datetime.now(UTC)
    response = await send(client, breakers, outgoing, body, upstream)
    audit["response_in"] = datetime.now(UTC)
    # The guard records the answer before streaming it on (A36.1); its length is the one the service declared.
    audit["response_length"] = response.headers.get("content-length")
    try:
        headers = relayed_headers(response, upstream, audit)
    except BaseException:
        await response.aclose()
        raise
    return RelayedResponse(response, headers)


def relayed_headers(response: httpx.Response, upstream: Upstream, audit: dict[str, Any]) -> dict[str, str]:
    """The service's answer headers the caller gets (the audit's taken out, none naming the service's address)."""
    headers = {}
    for name, value in response.headers.items():
        lower = name.lower()
        if lower.startswith(AUDIT_HEADER_PREFIX):
            audit[lower.removeprefix(AUDIT_HEADER_PREFIX)] = value
        elif lower not in NOT_RELAYED and (public := public_header(lower, value, upstream)) is not None:
            headers[name] = public
    return headers
