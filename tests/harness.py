"""Runs real services in the test process: real uvicorn servers on loopback, real PostgreSQL, real Kafka.

One process lets the tests read every service's spans from one in-memory exporter, while each service keeps its
own tracer provider, settings and database, as it would in its own process.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import random
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor
from sqlalchemy.engine import make_url

from factories import agency_body, credit_code
from hub import metrics
from hub.db import asyncpg_dsn
from hub.mesh import load_mesh
from hub.migrations import ensure_database, upgrade_to_head
from hub.settings import HubSettings
from hub.telemetry import create_tracer_provider


@dataclass(frozen=True)
class Infra:
    database_url: str
    kafka_bootstrap: str

    def database(self, name: str) -> str:
        """The URL of another database on the test server."""
        return make_url(self.database_url).set(database=name).render_as_string(hide_password=False)

    async def drop_database(self, url: str) -> None:
        name = make_url(url).database
        conn = await asyncpg.connect(asyncpg_dsn(self.database("postgres")))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()


@dataclass(frozen=True)
class Keys:
    private_pem: str
    public_pem: str


def migrations_of(service: str) -> Path:
    """A service's migrations folder, from its package in the mesh declaration."""
    package = importlib.import_module(load_mesh().service(service).package)
    assert package.__file__
    return Path(package.__file__).parent / "migrations"


async def fresh_database(infra: Infra, service: str) -> str:
    """A new database for a service, migrated to head."""
    url = infra.database(f"t_{service}_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    await upgrade_to_head(migrations_of(service), url)
    return url


def settings_for(
    service: str, infra: Infra, keys: Keys, database_url: str, topic_prefix: str, **extra: Any
) -> HubSettings:
    """The settings a service of a test mesh runs with."""
    module = importlib.import_module(f"{load_mesh().service(service).package}.settings")
    settings_cls: type[HubSettings] = module.Settings
    return settings_cls.model_validate(
        {
            "database_url": database_url,
            "kafka_bootstrap_servers": infra.kafka_bootstrap,
            "kafka_topic_prefix": topic_prefix,
            "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": [keys.public_pem],
            "HUB_INTERNAL_TOKEN_PRIVATE_KEY": keys.private_pem if service == "gateway" else None,
            "consumer_retry_backoff_seconds": 0.05,
            # A full parallel run on two cores has stalled an in-process mesh's loop past the production 10 s, and a
            # seed's write then met a 503 it cannot safely repeat (the service took it); tests of the 503 set their own.
            "audit_commit_timeout_seconds": 60.0,
            "log_json": False,
            **extra,
        }
    )


# The OS's randomness: a test seeding `random` (hypothesis does) must not make two workers draw the same ports.
_PORT_DRAW = random.SystemRandom()


def ephemeral_port_floor() -> int:
    """The lowest port the kernel hands out as a connection's local port (net.ipv4.ip_local_port_range)."""
    return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports for servers that another process starts (a service, PostgreSQL, Kafka, Zipkin).

    Below the kernel's ephemeral range. A port it picks for port 0 is inside that range, where any connection opened
    meanwhile may take it as its local port: between this check and the server's bind, or while a server the test
    stopped is down, and then the server cannot bind it again (CI saw "address already in use" for a minute after a
    drill killed its PostgreSQL). Servers in this process take `free_socket`, which holds its port from the start.
    """
    floor = ephemeral_port_floor()
    sockets: list[socket.socket] = []
    try:
        for _ in range(100 * count):
            if len(sockets) == count:
                break
            sock = socket.socket()
            try:
                sock.bind(("127.0.0.1", _PORT_DRAW.randrange(10_000, floor)))
            except OSError:
                sock.close()
                continue
            sockets.append(sock)
        if len(sockets) < count:
            raise RuntimeError("no free ports below the ephemeral range")
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    """One free loopback port for a server another process starts (`free_ports`)."""
    return free_ports(1)[0]


def free_socket() -> socket.socket:
    """A listening-ready socket on a free loopback port (uvicorn serves on it; its port is known at once)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@dataclass
class RunningService:
    name: str
    app: FastAPI
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]


@dataclass
class LocalMesh:
    """Services of one test, by name, with a client for each."""

    databases: dict[str, str]
    topic_prefix: str  # its services put it before every topic's name: the mesh's topics are its own on the broker
    services: dict[str, RunningService] = field(default_factory=dict)

    def url(self, name: str) -> str:
        return self.services[name].url

    def client(self, name: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url(name), timeout=10.0)

    async def stop(self, name: str) -> None:
        """Stop one service as its process would stop (lifespan shutdown included)."""
        running = self.services[name]
        running.server.should_exit = True
        await running.task


class _InProcessServer(uvicorn.Server):
    """A uvicorn server that leaves the test process's signal handlers alone."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(app: FastAPI, sock: socket.socket, name: str) -> RunningService:
    """Start uvicorn for the app on the socket and wait until its lifespan has started."""
    # As services/run.py: no service believes X-Forwarded-For from loopback (the gateway's own setting decides).
    # The server keeps an idle connection longer than the tests' clients do (httpx lets one go after 5 s, when
    # uvicorn's default would close it): else a request sent on a pooled connection just as the server closes it gets
    # no answer (ReadError). The gateway's upstream pool keeps the same rule with its 2 s (upstream_keepalive_seconds).
    config = uvicorn.Config(
        app, log_level="warning", lifespan="on", access_log=False, proxy_headers=False, timeout_keep_alive=30
    )
    server = _InProcessServer(config)
    task = asyncio.create_task(server.serve(sockets=[sock]), name=f"uvicorn-{name}")
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError(f"{name} stopped while starting")
        await asyncio.sleep(0.02)
    host, port = sock.getsockname()
    return RunningService(name, app, f"http://{host}:{port}", server, task)


@contextlib.asynccontextmanager
async def running_mesh(
    services: Sequence[str],
    *,
    infra: Infra,
    keys: Keys,
    databases: dict[str, str],
    topic_prefix: str,
    span_processors: Sequence[SpanProcessor] = (),
    settings_overrides: Callable[[str], dict[str, Any]] = lambda _: {},
) -> AsyncIterator[LocalMesh]:
    """Start the named services (the gateway last, pointed at the others) and stop them all afterwards.

    The first mesh of the process to run starts the request histogram afresh: it is process-wide, one series per
    service, route and status, and a test worker's earlier meshes had grown it to thousands, all rendered again by
    every scrape of /metrics (the Prometheus test's five targets each second starved its mesh's loop)."""
    if not _RUNNING_MESHES:
        metrics.HTTP_REQUESTS.clear()
    mesh = LocalMesh(databases=dict(databases), topic_prefix=topic_prefix)
    sockets = {name: free_socket() for name in services}
    _RUNNING_MESHES.add(id(mesh))
    try:
        for name in sorted(services, key=lambda n: n == "gateway"):
            extra = settings_overrides(name)
            if name == "gateway":
                extra.setdefault(
                    "HUB_UPSTREAM_URLS",
                    {n: f"http://127.0.0.1:{s.getsockname()[1]}" for n, s in sockets.items() if n != "gateway"},
                )
            settings = settings_for(name, infra, keys, databases[name], topic_prefix, **extra)
            module = importlib.import_module(f"{load_mesh().service(name).package}.app")
            provider = create_tracer_provider(settings.service_name, span_processors)
            app = module.create_app(settings, provider)
            mesh.services[name] = await serve(app, sockets[name], name)
        yield mesh
    finally:
        for running in mesh.services.values():
            running.server.should_exit = True
        for running in mesh.services.values():
            with contextlib.suppress(Exception):
                await running.task
        for sock in sockets.values():
            sock.close()
        _RUNNING_MESHES.discard(id(mesh))


# The meshes of this process running now (running_mesh).
_RUNNING_MESHES: set[int] = set()


@contextlib.asynccontextmanager
async def hub_on_fresh_databases(
    infra: Infra,
    keys: Keys,
    services: Sequence[str],
    *,
    database_servers: Mapping[str, Infra] | None = None,
    topic_prefix: str | None = None,
    **mesh_options: Any,
) -> AsyncIterator[tuple[LocalMesh, httpx.AsyncClient]]:
    """The services (the gateway among them) running on fresh databases, and a client of the gateway; the
    databases are dropped afterwards, even when starting or the test failed.

    A service's database is on `infra`'s server unless `database_servers` names another (one a test may stop); a
    service named there but not in `services` still gets its database, for a test that runs it in its own process.
    The topic prefix is a fresh one unless given; `mesh_options` go to `running_mesh`.
    """
    servers = {name: infra for name in services} | dict(database_servers or {})
    databases: dict[str, str] = {}
    try:
        for name, server in servers.items():
            databases[name] = await fresh_database(server, name)
        async with running_mesh(
            services, infra=infra, keys=keys, databases=databases,
            topic_prefix=topic_prefix or f"t{uuid.uuid4().hex[:10]}.", **mesh_options,
        ) as mesh, mesh.client("gateway") as gateway:  # fmt: skip
            # A request crosses the whole mesh, and on a loaded machine (a full parallel run) may take past 10 s.
            gateway.timeout = httpx.Timeout(60.0)
            yield mesh, gateway
    finally:
        for name, url in databases.items():
            await servers[name].drop_database(url)


class MeshStarter(Protocol):
    """The `start_mesh` fixture: `async with start_mesh(["catalog", "gateway"]) as mesh: ...`."""

    def __call__(
        self,
        services: Sequence[str],
        settings: dict[str, dict[str, Any]] | None = None,
        *,
        span_processors: Sequence[SpanProcessor] = (),
        kafka_bootstrap: str | None = None,
    ) -> contextlib.AbstractAsyncContextManager[LocalMesh]: ...


async def eventually(check: Callable[[], Any], *, within: float = 20.0, every: float = 0.05) -> Any:
    """Poll an async or sync check until it returns a truthy value; fail with the last value after `within`."""
    deadline = asyncio.get_running_loop().time() + within
    last: Any = None
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        last = result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {last!r}")
        await asyncio.sleep(every)


CITY = "320200"
ADMIN_PASSWORD = "correct horse battery staple"


async def bootstrap_admin(gateway_database_url: str, login: str = "admin", region: str = CITY) -> tuple[str, str]:
    """The first administrator, created as `python -m gateway.identities bootstrap-admin` does."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from gateway.identities.administrators import bootstrap_administrator
    from hub.db import async_url

    engine = create_async_engine(async_url(gateway_database_url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await bootstrap_administrator(session, login, ADMIN_PASSWORD, region)
    finally:
        await engine.dispose()
    return login, ADMIN_PASSWORD


async def add_city(gateway: httpx.AsyncClient, admin: dict[str, str], code: str = CITY, name: str = "无锡市") -> None:
    """The city region at the root of the region tree (A4.1), added by its own bureau's administrator."""
    response = await gateway.post(
        "/api/catalog/regions", json={"code": code, "name": name, "level": "city"}, headers=admin
    )
    assert response.status_code in (201, 409), response.text


async def token(gateway: httpx.AsyncClient, login: str, secret: str, *, grant: str = "password") -> dict[str, str]:
    """Authorization headers for a client, from the gateway's token endpoint."""
    form = (
        {"grant_type": "password", "username": login, "password": secret}
        if grant == "password"
        else {"grant_type": "client_credentials", "client_id": login, "client_secret": secret}
    )
    response = await gateway.post("/auth/token", data=form)
    assert response.status_code == 200, response.text
    return {"authorization": f"Bearer {response.json()['access_token']}"}


async def register_client(
    gateway: httpx.AsyncClient, admin: dict[str, str], kind: str, roles: list[str], *, region: str = CITY,
    agency_id: str | None = None, login: str | None = None, password: str | None = None,
) -> dict[str, str]:  # fmt: skip
    """Register a client through the admin API and return its authorization headers."""
    login = login or f"{kind}-{uuid.uuid4().hex[:8]}"
    body = {"kind": kind, "login": login, "display_name": login, "roles": roles, "region_code": region,
            "agency_id": agency_id, "password": password}  # fmt: skip
    if kind in ("agency_system", "ingest_job", "agency_person") and agency_id is None:
        # A system, job or agency person is bound to an agency the catalogue registered in its region (A15.2).
        agency = await gateway.post("/api/catalog/agencies", json=agency_body(region_code=region), headers=admin)
        assert agency.status_code == 201, agency.text
        body["agency_id"] = agency.json()["id"]
    if kind in ("operator", "agency_person"):
        body["password"] = password or f"pw-{uuid.uuid4().hex}"
    response = await eventually(lambda: _registered_once_agency_known(gateway, admin, body))
    assert response.status_code == 201, response.text
    created = response.json()
    if kind in ("operator", "agency_person"):
        return await token(gateway, login, str(body["password"]))
    return await token(gateway, login, created["client_secret"], grant="client_credentials")


async def _registered_once_agency_known(
    gateway: httpx.AsyncClient, admin: dict[str, str], body: dict[str, Any]
) -> httpx.Response | None:
    """The answer to a client registration, or None while the gateway has not yet learned the client's agency
    from catalog.events (it refuses to bind an agency it does not know, naming the field) or answers 503 (its
    audit could not commit in time on a loaded machine: a 503 says retry, and nothing was registered)."""
    response = await gateway.post("/admin/clients", json=body, headers=admin)
    if response.status_code == 422 and any(e["field"] == "agency_id" for e in response.json().get("errors", [])):
        return None
    if response.status_code == 503:
        return None
    return response


async def catalogued_agency(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], region: str = CITY
) -> str:
    """The id of an agency registered in the catalogue, once the gateway has learned it from catalog.events."""
    response = await gateway.post("/api/catalog/agencies", json=agency_body(region_code=region), headers=admin)
    assert response.status_code == 201, response.text
    agency_id = uuid.UUID(response.json()["id"])
    query = "SELECT region_code FROM known_agencies WHERE id = $1"
    await eventually(lambda: rows(mesh.databases["gateway"], query, agency_id))
    return str(agency_id)


async def agency_known_to_gateway(mesh: LocalMesh, region: str = CITY) -> str:
    """The id of an agency the gateway has learned, for a mesh without the catalog: the gateway's own handler of
    catalog.agency.registered is applied to its database, as its consumer would."""
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from gateway.agencies.service import record_registered
    from hub.contracts.catalog import AgencyRegistered
    from hub.db import async_url

    event = AgencyRegistered(agency_id=uuid.uuid4(), credit_code=credit_code(), name="无锡市公安局",
                             kind="administrative_organ", region_code=region)  # fmt: skip
    engine = create_async_engine(async_url(mesh.databases["gateway"]))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await record_registered(session, event)
    finally:
        await engine.dispose()
    return str(event.agency_id)


async def region_admin(mesh: LocalMesh, login: str = "admin", region: str = CITY) -> dict[str, str]:
    """Authorization headers of a bureau administrator of the region, bootstrapped as in production."""
    login, password = await bootstrap_admin(mesh.databases["gateway"], login, region)
    async with mesh.client("gateway") as gateway:
        return await token(gateway, login, password)


async def city_admin(mesh: LocalMesh, gateway: httpx.AsyncClient) -> dict[str, str]:
    """Authorization headers of the city's bureau administrator, bootstrapped as in production.

    With the catalog in the mesh, it also adds the city to the region tree (A4.1), which catalogue requests need.
    """
    login, password = await bootstrap_admin(mesh.databases["gateway"])
    admin = await token(gateway, login, password)
    if "catalog" in mesh.services:
        await add_city(gateway, admin)
    return admin


async def register_agency(
    gateway: httpx.AsyncClient, admin: dict[str, str], name: str, region: str = CITY
) -> dict[str, Any]:
    """An agency registered in the catalogue, as the catalog answers it.

    Its own agency system's authorization headers are under "headers".
    """

    async def registered_once() -> httpx.Response | None:
        # A 503 (the audit could not commit in time on a loaded machine) says retry; the catalogue may have taken
        # that one, so the retry registers another agency (a fresh credit code) rather than conflict with it.
        body = agency_body(name=name, region_code=region)
        response = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
        return None if response.status_code == 503 else response

    response = await eventually(registered_once, within=60, every=1.0)
    assert response.status_code == 201, response.text
    agency: dict[str, Any] = response.json()
    agency["headers"] = await register_client(
        gateway, admin, "agency_system", ["agency_system"], region=region, agency_id=agency["id"]
    )
    return agency


async def rows(database_url: str, query: str, *args: object) -> list[asyncpg.Record]:
    """The rows a query returns from a service's database, read on a connection of its own."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The problem+json body of a refusal with the status (RFC 9457), after checking both."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    return problem


async def records_of(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record a topic holds up to its current end offsets, in partition and offset order.

    Deterministic: it reads to the ends it saw at the start and never waits for more; the topic must exist.
    """
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert described["error_code"] == 0, f"topic {topic} does not exist: {described}"
    partitions = [TopicPartition(topic, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        # Explicit offsets (hub.kafka.records_to_end): a reset asked for after assignment races the fetcher's own.
        starts = await consumer.beginning_offsets(partitions)
        for tp, start in starts.items():
            consumer.seek(tp, start)
        ends = await consumer.end_offsets(partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batches = await consumer.getmany(*partitions, timeout_ms=1000)
            records += [
                r for batch in batches.values() for r in batch if r.offset < ends[TopicPartition(r.topic, r.partition)]
            ]
        return sorted(records, key=lambda r: (r.partition, r.offset))
    finally:
        await consumer.stop()
