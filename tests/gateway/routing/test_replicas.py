"""The gateway balances across a service's replicas and stops sending to one that fails its readiness (A29.1).

Real HTTP servers stand for the replicas (aiohttp's, on free ports): what is checked is which replica each request
would go to, as the gateway decides it from their /readyz answers.
"""

from __future__ import annotations

import asyncio
import socket
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from aiohttp import web

from gateway.routing.upstreams import ReplicaPool, declared_mounts, declared_upstreams, upstream_readiness
from gateway.settings import Settings


class Replica:
    """A server answering /readyz with `status`, which a test changes."""

    def __init__(self) -> None:
        self.status = 200
        self.url = ""

    async def readyz(self, _: web.Request) -> web.Response:
        return web.json_response({}, status=self.status)


@asynccontextmanager
async def replicas(count: int) -> AsyncIterator[list[Replica]]:
    servers, runners = [Replica() for _ in range(count)], []
    for server in servers:
        app = web.Application()
        app.router.add_get("/readyz", server.readyz)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        server.url = f"http://127.0.0.1:{port}"
        runners.append(runner)
    try:
        yield servers
    finally:
        for runner in runners:
            await runner.cleanup()


def closed_port_url() -> str:
    """An address where nobody listens (a killed replica)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


async def settled_picks(pool: ReplicaPool, count: int = 20) -> Counter[str]:
    """Where `count` requests go once a probe round started by the first one has answered."""
    pool.pick()
    for _ in range(100):
        await asyncio.sleep(0.02)
        if pool._probing is None:
            break
    return Counter(pool.pick() for _ in range(count))


async def test_requests_alternate_between_ready_replicas_A29_1() -> None:
    async with replicas(2) as (first, second):
        pool = ReplicaPool([first.url, second.url], probe_seconds=0.0)
        assert await settled_picks(pool) == {first.url: 10, second.url: 10}


async def test_a_replica_failing_its_readiness_gets_no_requests_until_it_passes_again_A29_1() -> None:
    async with replicas(2) as (first, second):
        pool = ReplicaPool([first.url, second.url], probe_seconds=0.0)
        second.status = 503
        assert await settled_picks(pool) == {first.url: 20}
        second.status = 200
        assert await settled_picks(pool) == {first.url: 10, second.url: 10}


async def test_a_killed_replica_gets_no_requests_A29_1() -> None:
    async with replicas(1) as (alive,):
        dead = closed_port_url()
        pool = ReplicaPool([dead, alive.url], probe_seconds=0.0)
        assert await settled_picks(pool) == {alive.url: 20}


async def test_a_replica_a_request_found_nobody_at_gets_no_requests_until_a_probe_passes_A29_1() -> None:
    async with replicas(2) as (first, second):
        pool = ReplicaPool([first.url, second.url], probe_seconds=0.0)
        assert await settled_picks(pool) == {first.url: 10, second.url: 10}
        pool.probe_seconds = 3600.0
        pool.unreachable(second.url)
        assert Counter(pool.pick() for _ in range(20)) == {first.url: 20}
        pool.probe_seconds = 0.0
        assert await settled_picks(pool) == {first.url: 10, second.url: 10}


async def test_with_no_replica_ready_requests_still_go_to_all_of_them_A29_1() -> None:
    async with replicas(2) as (first, second):
        first.status = second.status = 503
        pool = ReplicaPool([first.url, second.url], probe_seconds=0.0)
        assert await settled_picks(pool) == {first.url: 10, second.url: 10}


async def test_probes_are_at_most_once_per_interval_A29_1() -> None:
    async with replicas(2) as (first, second):
        pool = ReplicaPool([first.url, second.url], probe_seconds=60.0)
        second.status = 503
        assert await settled_picks(pool) == {first.url: 20}
        second.status = 200
        # Within the interval the failed probe still stands.
        assert await settled_picks(pool) == {first.url: 20}


def test_the_service_its_aliases_and_mounts_share_its_replicas_and_keep_their_routes_A29_1() -> None:
    settings = Settings(HUB_UPSTREAM_URLS={"open": ["http://10.0.0.1:8103/", "http://10.0.0.2:8103"]})
    upstreams, mounts = declared_upstreams(settings), declared_mounts(settings)
    assert {upstreams["open"].base_url for _ in range(4)} == {"http://10.0.0.1:8103", "http://10.0.0.2:8103"}
    assert {upstreams.get("3").base_url for _ in range(4)} == {  # type: ignore[union-attr]
        "http://10.0.0.1:8103/ckan/api/3",
        "http://10.0.0.2:8103/ckan/api/3",
    }
    assert {mounts["open"].base_url for _ in range(4)} == {"http://10.0.0.1:8103/portal", "http://10.0.0.2:8103/portal"}
    # One URL is one replica, as before replicas existed.
    assert {upstreams["catalog"].base_url for _ in range(3)} == {"http://127.0.0.1:8101"}


async def test_readiness_lists_each_replica_by_number_and_never_its_address_A29_1_A12_1() -> None:
    async with replicas(2) as (first, second):
        second.status = 503
        settings = Settings(HUB_UPSTREAM_URLS={"catalog": [first.url, second.url]})
        upstreams = {p: u for p, u in declared_upstreams(settings).items() if u.name == "catalog"}
        async with httpx.AsyncClient() as client:
            report = await upstream_readiness(client, upstreams)
        assert report == {
            "service:catalog": {"ok": True, "replicas": [{"ok": True, "status": 200}, {"ok": False, "status": 503}]}
        }
        assert first.url.split("//")[1] not in str(report)
        # The readiness answer also steers the requests.
        pool = upstreams["catalog"].pool
        assert pool is not None
        assert {pool.pick() for _ in range(4)} == {first.url}
