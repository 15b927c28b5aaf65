"""The services the gateway forwards to, as declared in the mesh, and the pooled client that reaches them."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, TypeVar, overload
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


class ReplicaPool:
    """A service's replicas (services/run.py --replicas): requests go round-robin to the replicas whose last readiness
    probe passed; one that fails its /readyz (or cannot be reached) gets none until a later probe passes (A29.1: one
    failed replica must not fail the service).

    Probes are driven by traffic: a pick starts a round of probes, in the background, when the last one is older than
    `probe_seconds`, so an idle gateway asks nobody. A single replica is never probed nor skipped: there is nothing
    to fall back to, and the circuit breaker already guards it."""

    def __init__(self, urls: Sequence[str], probe_seconds: float) -> None:
        self.urls = tuple(urls)
        self.probe_seconds = probe_seconds
        self._ready = set(self.urls)
        # When each replica last passed a probe (time.time(), the circuit breakers' clock).
        self._passed_at: dict[str, float] = {}
        self._turn = itertools.count()
        self._probed_at = float("-inf")
        self._probing: asyncio.Task[None] | None = None

    def pick(self) -> str:
        """The replica the next request goes to; all of them in turn when none is ready (better an attempt than a
        refusal decided on a probe's word)."""
        if len(self.urls) == 1:
            return self.urls[0]
        self._probe_if_due()
        ready = [url for url in self.urls if url in self._ready] or self.urls
        return ready[next(self._turn) % len(ready)]

    def passed_since(self, url: str, moment: float) -> bool:
        """Whether the replica passed a readiness probe after `moment` (time.time())."""
        return self._passed_at.get(url, float("-inf")) > moment

    def unreachable(self, url: str) -> None:
        """A request found nobody at the replica (killed, or not listening yet): it gets no more requests until a
        probe passes, rather than until the next probe fails."""
        self._ready.discard(url)

    async def ask(self, client: httpx.AsyncClient, url: str) -> dict[str, Any]:
        """One replica's /readyz, remembered for the picks that follow."""
        try:
            response = await client.get(f"{url}/readyz", timeout=5.0)
        except httpx.HTTPError as exc:
            self._ready.discard(url)
            return {"ok": False, "error": f"unreachable: {type(exc).__name__}"}
        if response.status_code == 200:
            self._ready.add(url)
            self._passed_at[url] = time.time()
        else:
            self._ready.discard(url)
        return {"ok": response.status_code == 200, "status": response.status_code}

    def _probe_if_due(self) -> None:
        now = time.monotonic()
        if self._probing is not None or now - self._probed_at < self.probe_seconds:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # picked outside a request (a script): no probing there
            return
        self._probed_at = now
        self._probing = loop.create_task(self._probe_all())

    async def _probe_all(self) -> None:
        try:
            # A client of its own: short-lived, so a probe never queues behind requests in the shared pool.
            async with httpx.AsyncClient(timeout=httpx.Timeout(2.0, connect=1.0)) as client:
                await asyncio.gather(*(self.ask(client, url) for url in self.urls))
        finally:
            self._probing = None


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
    # Its replicas; base_url is the first one's until for_request() picks one.
    pool: ReplicaPool | None = field(default=None, compare=False, repr=False)

    def for_request(self) -> Upstream:
        """This upstream on the replica the next request goes to: one request keeps one replica throughout, so its
        answer's references are rewritten against the address that made them (gateway.routing.paths)."""
        if self.pool is None or len(self.pool.urls) == 1:
            return self
        return replace(self, base_url=self.pool.pick() + self.routes)

    def unreachable(self) -> None:
        """Nobody answered at this upstream's replica (ReplicaPool.unreachable); with one replica, nothing to do."""
        if self.pool is not None and len(self.pool.urls) > 1:
            self.pool.unreachable(self.base_url.removesuffix(self.routes))

    def ready_again_since(self, moment: float) -> bool:
        """Whether this upstream's replica passed a readiness probe after `moment` (time.time()); a service of one
        replica is never probed, so never."""
        if self.pool is None or len(self.pool.urls) == 1:
            return False
        return self.pool.passed_since(self.base_url.removesuffix(self.routes), moment)

    @property
    def public_base(self) -> str:
        """Where clients reach this service: the gateway's /api/<prefix>, or its mount."""
        return self.public or f"/api/{self.prefix}"

    @property
    def address(self) -> str:
        """The service's host:port inside the mesh, which no answer to a client may name (A12.1)."""
        return urlsplit(self.base_url).netloc


_Default = TypeVar("_Default")


class Upstreams(dict[str, Upstream]):
    """Upstreams by prefix or mount; looking one up picks the replica for the request (Upstream.for_request).
    Iterating gives each upstream as declared (on its first replica), as readiness and documentation want."""

    def __getitem__(self, key: str) -> Upstream:
        return super().__getitem__(key).for_request()

    @overload
    def get(self, key: str, default: None = None, /) -> Upstream | None: ...
    @overload
    def get(self, key: str, default: Upstream, /) -> Upstream: ...
    @overload
    def get(self, key: str, default: _Default, /) -> Upstream | _Default: ...
    def get(self, key: str, default: object = None, /) -> object:
        upstream = super().get(key)
        return default if upstream is None else upstream.for_request()


def replica_urls(settings: Settings, name: str, port: int) -> list[str]:
    """A service's replica URLs: HUB_UPSTREAM_URLS gives one URL or a list of them, the mesh's port otherwise."""
    configured = settings.upstream_urls.get(name, f"http://127.0.0.1:{port}")
    return [url.rstrip("/") for url in ([configured] if isinstance(configured, str) else configured)]


def declared_upstreams(settings: Settings) -> Upstreams:
    """Upstreams by route prefix: every service of the mesh that declares one, and the aliases (which share the
    service's replicas)."""
    mesh = load_mesh(settings.mesh_file)
    upstreams = Upstreams()
    for prefix, service in mesh.by_prefix().items():
        pool = ReplicaPool(replica_urls(settings, service.name, service.port), settings.upstream_probe_seconds)
        upstreams[prefix] = Upstream(name=service.name, prefix=prefix, base_url=pool.urls[0], pool=pool)
    own = {upstream.name: upstream for upstream in upstreams.values()}
    for alias, (name, routes) in ALIASES.items():
        upstreams[alias] = Upstream(name=name, prefix=alias, base_url=own[name].base_url + routes, routes=routes,
                                    pool=own[name].pool)  # fmt: skip
    return upstreams


def declared_mounts(settings: Settings) -> Upstreams:
    """Upstreams by mount (MOUNTS): the service's own upstream, under the mount's routes."""
    own = {upstream.name: upstream for upstream in declared_upstreams(settings).values() if not upstream.routes}
    return Upstreams({
        mount: Upstream(name=name, prefix=own[name].prefix, base_url=own[name].base_url + routes, routes=routes,
                        public=f"/{mount}", pool=own[name].pool)
        for mount, (name, routes) in MOUNTS.items()
    })  # fmt: skip


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
    """Every upstream's own /readyz, asked concurrently; a service with replicas is ready when one of them is, and
    each replica's answer is listed by its number (never its address: A12.1)."""

    async def ask(upstream: Upstream) -> tuple[str, dict[str, Any]]:
        pool = upstream.pool or ReplicaPool([upstream.base_url], probe_seconds=0.0)
        answers = await asyncio.gather(*(pool.ask(client, url) for url in pool.urls))
        if len(answers) == 1:
            return upstream.name, answers[0]
        return upstream.name, {"ok": any(a["ok"] for a in answers), "replicas": list(answers)}

    # An alias reaches a service already asked under its own prefix.
    answers = await asyncio.gather(*(ask(u) for u in upstreams.values() if not u.routes))
    return {f"service:{name}": result for name, result in answers}
