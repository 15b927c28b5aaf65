"""Forwarding a request to its upstream: the only path into the mesh (A12.1)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import Request
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from starlette.background import BackgroundTask
from starlette.responses import StreamingResponse

from gateway.identities.keyring import Principal
from gateway.routing.upstreams import Upstream
from hub.errors import NotFound, ServiceUnavailable, UpstreamTimeout
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
# What a service tells the audit about a delivery (A21.1, A36.1); read and removed here.
AUDIT_HEADER_PREFIX = "x-hub-audit-"


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


def forwarded_headers(request: Request, token: str) -> list[tuple[str, str]]:
    """The client's end-to-end headers (never its credentials), the internal token, and X-Forwarded-*."""
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
    if "content-length" in request.headers:
        headers.append(("content-length", request.headers["content-length"]))
    client = request.client.host if request.client else ""
    headers += [
        (INTERNAL_TOKEN_HEADER, token),
        ("x-forwarded-for", client),
        ("x-forwarded-proto", request.url.scheme),
    ]
    return headers


async def forward(
    request: Request,
    client: httpx.AsyncClient,
    signer: TokenSigner,
    breakers: AsyncCircuitBreakerFactory,
    upstream: Upstream,
    path: str,
    principal: Principal,
    audit: dict[str, Any],
) -> StreamingResponse:
    """Stream the request to the upstream and its response back; 503/504 problem+json when it cannot."""
    url = f"{upstream.base_url}/{path}"
    if request.url.query:
        url += f"?{request.url.query}"
    token = signer.sign(caller_of(principal), audience=upstream.name)
    has_body = request.method not in ("GET", "HEAD", "OPTIONS", "DELETE") or "content-length" in request.headers
    outgoing = client.build_request(
        request.method,
        url,
        headers=forwarded_headers(request, token),
        content=request.stream() if has_body else None,
    )
    breaker = await breakers.get_breaker(upstream.name)
    audit["request_out"] = datetime.now(UTC)
    try:
        async with breaker:
            response = await client.send(outgoing, stream=True)
    except OpenedState as exc:
        raise ServiceUnavailable(
            f"{upstream.name} is failing; the gateway stopped calling it for a while.", service=upstream.name
        ) from exc
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # The transport reports a refused connection as ConnectTimeout too: either way nobody is there.
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    except httpx.TimeoutException as exc:
        raise UpstreamTimeout(f"{upstream.name} did not answer in time.", service=upstream.name) from exc
    except httpx.HTTPError as exc:
        raise ServiceUnavailable(f"{upstream.name} is unavailable.", service=upstream.name) from exc
    audit["response_in"] = datetime.now(UTC)
    headers = {}
    for name, value in response.headers.items():
        lower = name.lower()
        if lower.startswith(AUDIT_HEADER_PREFIX):
            audit[lower.removeprefix(AUDIT_HEADER_PREFIX)] = value
        elif lower not in HOP_BY_HOP:
            headers[name] = value
    return StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        headers=headers,
        background=BackgroundTask(response.aclose),
    )
