"""The services the gateway forwards to, as declared in the mesh, and the pooled client that reaches them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from gateway.settings import Settings
from hub.mesh import load_mesh

# Gateway prefixes that are not a service's own: /api/<alias>/rest reaches the service's routes under its path.
# CKAN clients call the CKAN Action API at <site>/api/3/action/<name> (ckanapi at <site>/api/action/<name>); open-svc
# answers it under /ckan/api/3/action/ (issue 12, "Interoperability").
ALIASES: dict[str, tuple[str, str]] = {"3": ("open", "/ckan/api/3"), "action": ("open", "/ckan/api/3/action")}
# Addresses at the gateway's root that reach a service's routes under a path: /<mount>/rest reaches them as
# <routes>/rest. Citizens reach the open data portal at /open/… (open-svc's /portal/…, issue 12, "The public portal").
MOUNTS: dict[str, tuple[str, str]] = {"open": ("open", "/portal")}


@dataclass(frozen=True)
class Upstream:
    """One service behind the gateway. `routes` is the path of the service's routes that its prefix reaches ("" for
    the service's own prefix, which reaches all of them); `base_url` ends with it."""

    name: str
    prefix: str
    base_url: str
    routes: str = ""
    # Where clients reach it when that is not /api/<prefix> (a mount: /<mount>).
    public: str = ""

    @property
    def public_base(self) -> str:
        """Where clients reach this service: the gateway's /api/<prefix>, or its mount."""
        return self.public or f"/api/{self.prefix}"

    @property
    def address(self) -> str:
        """The service's host:port inside the mesh, which no answer to a client may name (A12.1)."""
        return urlsplit(self.base_url).netloc


def declared_upstreams(settings: Settings) -> dict[str, Upstream]:
    """Upstreams by route prefix: every service of the mesh that declares one, and the aliases."""
    mesh = load_mesh(settings.mesh_file)
    upstreams = {
        prefix: Upstream(
            name=service.name,
            prefix=prefix,
            base_url=settings.upstream_urls.get(service.name, f"http://127.0.0.1:{service.port}").rstrip("/"),
        )
        for prefix, service in mesh.by_prefix().items()
    }
    own = {upstream.name: upstream for upstream in upstreams.values()}
    for alias, (name, routes) in ALIASES.items():
        upstreams[alias] = Upstream(name=name, prefix=alias, base_url=own[name].base_url + routes, routes=routes)
    return upstreams


def declared_mounts(settings: Settings) -> dict[str, Upstream]:
    """Upstreams by mount (MOUNTS): the service's own upstream, under the mount's routes."""
    own = {upstream.name: upstream for upstream in declared_upstreams(settings).values() if not upstream.routes}
    return {
        mount: Upstream(name=name, prefix=own[name].prefix, base_url=own[name].base_url + routes, routes=routes,
                        public=f"/{mount}")
        for mount, (name, routes) in MOUNTS.items()
    }  # fmt: skip


def create_upstream_client(settings: Settings) -> httpx.AsyncClient:
    """A pooled client over aiohttp's connection handling (plain httpx collapses under concurrency).

    It keeps no cookies, neither in httpx's jar nor in aiohttp's: the client is shared by every caller, so a cookie a
    service sets for one caller (the portal's language) would otherwise go with everybody's later requests. Each
    caller's own Cookie header is forwarded as it sent it (proxy.forwarded_headers).
    """
    limits = httpx.Limits(
        max_connections=settings.upstream_max_connections,
        max_keepalive_connections=settings.upstream_max_connections,
        keepalive_expiry=settings.upstream_keepalive_seconds,
    )

    def session() -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(keepalive_timeout=settings.upstream_keepalive_seconds,
                                         limit=settings.upstream_max_connections)  # fmt: skip
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())

    return httpx.AsyncClient(
        transport=AiohttpTransport(limits=limits, client=session),
        timeout=httpx.Timeout(
            settings.upstream_read_timeout_seconds, connect=settings.upstream_connect_timeout_seconds
        ),
        limits=limits,
        cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=[])),
    )


async def upstream_readiness(client: httpx.AsyncClient, upstreams: dict[str, Upstream]) -> dict[str, Any]:
    """Every upstream's own /readyz, asked concurrently."""

    async def ask(upstream: Upstream) -> tuple[str, dict[str, Any]]:
        try:
            response = await client.get(f"{upstream.base_url}/readyz", timeout=5.0)
        except httpx.HTTPError as exc:
            return upstream.name, {"ok": False, "error": f"unreachable: {type(exc).__name__}"}
        return upstream.name, {"ok": response.status_code == 200, "status": response.status_code}

    # An alias reaches a service already asked under its own prefix.
    answers = await asyncio.gather(*(ask(u) for u in upstreams.values() if not u.routes))
    return {f"service:{name}": result for name, result in answers}
