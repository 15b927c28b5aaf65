"""The smallest Python reverse proxy, for bench/gateway_read.py: the floor any proxy written in Python pays on this
machine, to set the gateway's own work against (nginx is the floor of a proxy in C).

It runs the gateway's own stack for the two sides of HTTP, and nothing else: uvicorn (with uvloop and httptools,
as the services run) takes the request as a plain ASGI app, and one pooled aiohttp session sends it on to
BARE_PROXY_UPSTREAM (a base URL), with the client's end-to-end headers; the answer is read whole and relayed. No
authentication, policy, limiter, audit, tracing or metrics: what it costs, every proxy in Python costs.

    BARE_PROXY_UPSTREAM=http://127.0.0.1:PORT python -m uvicorn bare_proxy:app --app-dir bench --port N
"""

from __future__ import annotations

import os
from typing import Any

import aiohttp
from multidict import CIMultiDict
from yarl import URL

# RFC 9110 §7.6.1 hop-by-hop headers, and those each side sets for itself.
NOT_PASSED = frozenset(
    {"connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "date",
     "server"}
)  # fmt: skip


class BareProxy:
    """A plain ASGI app that forwards each request to one upstream over a pooled keep-alive session."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.session: aiohttp.ClientSession | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        assert self.session is not None, "opened at start-up"
        target = scope["raw_path"].decode("latin-1") + (
            "?" + scope["query_string"].decode("latin-1") if scope["query_string"] else ""
        )
        headers: CIMultiDict[str] = CIMultiDict(
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in scope["headers"]
            if name.decode("latin-1") not in NOT_PASSED
        )
        url = URL(self.upstream + target, encoded=True)
        async with self.session.request(scope["method"], url, headers=headers, allow_redirects=False) as response:
            body = await response.read()
            relayed = [
                (name.lower(), value) for name, value in response.raw_headers if name.decode().lower() not in NOT_PASSED
            ]
            relayed.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": relayed})
            await send({"type": "http.response.body", "body": body})

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.session = aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(limit=100), auto_decompress=False, trust_env=False
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.session is not None:
                    await self.session.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


app = BareProxy(os.environ.get("BARE_PROXY_UPSTREAM", "http://127.0.0.1:8000"))
