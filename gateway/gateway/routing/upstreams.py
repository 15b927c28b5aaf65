"""The services the gateway forwards to, as declared in the mesh, and the pooled client that reaches them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.settings import Settings
from hub.mesh import load_mesh


@dataclass(frozen=True)
class Upstream:
    """One service behind the gateway."""

    name: str
    prefix: str
    base_url: str

    @property
    def public_base(self) -> str:
        """Where clients reach this service: the gateway's /api/<prefix>."""
        return f"/api/{self.prefix}"

    @property
    def address(self) -> str:
        """The service's host:port inside the mesh, which no answer to a client may name (A12.1)."""
        return urlsplit(self.base_url).netloc


def declared_upstreams(settings: Settings) -> dict[str, Upstream]:
    """Upstreams by route prefix: every service of the mesh that declares one."""
    mesh = load_mesh(settings.mesh_file)
    return {
        prefix: Upstream(
            name=service.name,
            prefix=prefix,
            base_url=settings.upstream_urls.get(service.name, f"http://127.0.0.1:{service.port}").rstrip("/"),
        )
        for prefix, service in mesh.by_prefix().items()
    }


def create_upstream_client(settings: Settings) -> httpx.AsyncClient:
    """A pooled client over aiohttp's connection handling (plain httpx collapses under concurrency)."""
    limits = httpx.Limits(
        max_connections=settings.upstream_max_connections,
        max_keepalive_connections=settings.upstream_max_connections,
        keepalive_expiry=settings.upstream_keepalive_seconds,
    )
    return httpx.AsyncClient(
        transport=AiohttpTransport(limits=limits),
        timeout=httpx.Timeout(
            settings.upstream_read_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        ),
        limits=limits,
    )


async def upstream_readiness(client: httpx.AsyncClient, upstreams: dict[str, Upstream]) -> dict[str, Any]:
    """Every upstream's own /readyz, asked concurrently."""

    async def ask(upstream: Upstream) -> tuple[str, dict[str, Any]]:
        try:
            response = await client.get(f"{upstream.base_url}/readyz", timeout=5.0)
        except httpx.HTTPError as exc:
            return upstream.name, {"ok": False, "error": f"unreachable: {type(exc).__name__}"}
        return upstream.name, {"ok": response.status_code == 200, "status": response.status_code}

    answers = await asyncio.gather(*(ask(u) for u in upstreams.values()))
    return {f"service:{name}": result for name, result in answers}
