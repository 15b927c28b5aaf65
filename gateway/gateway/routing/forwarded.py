"""Who the client is: the socket's peer, or what a configured reverse proxy says it forwarded (A28.1, A36.1).

X-Forwarded-For is any client's to write. Believed from everyone, it let a client pick the address its anonymous
rate limit is counted under and the audit chain records. The gateway believes it (and X-Forwarded-Proto) only from
the proxies named in HUB_TRUSTED_PROXIES, none by default; its server must not believe it on its own (uvicorn does
for 127.0.0.1 unless started with --no-proxy-headers / proxy_headers=False, as services/run.py does).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

# The socket's peer, kept in the scope while the forwarding headers are weighed.
_PEER = "gateway.peer"


def is_ip_address(value: str) -> bool:
    """Whether a value is an IPv4 or IPv6 address (what the rate limit keys and the audit records may hold)."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


class TrustedProxies:
    """ASGI middleware: the client address and scheme from X-Forwarded-For / -Proto when the peer is a trusted proxy
    (the rightmost address not itself a trusted proxy, as uvicorn reads the chain); the peer's otherwise, and also
    when what the proxy forwarded is not an address."""

    def __init__(self, app: ASGIApp, proxies: Sequence[str]) -> None:
        self.app = app
        # uvicorn types ASGI more narrowly than Starlette; the two describe the same calls.
        forwarded = ProxyHeadersMiddleware(self._checked, trusted_hosts=list(proxies))  # type: ignore[arg-type]
        self._forwarded = forwarded if proxies else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._forwarded is None or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[_PEER] = scope.get("client")
        await self._forwarded(scope, receive, send)  # type: ignore[arg-type]

    async def _checked(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if client and not is_ip_address(client[0]):
            scope["client"] = scope[_PEER]
        await self.app(scope, receive, send)
