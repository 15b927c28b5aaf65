"""Forwarding through the gateway to a stand-in service on a real socket: paths go on as sent, answers never name
the service's address, and a caller's faults neither open the circuit nor poison the connection pool (A12.1,
A28.1). A stand-in answers the catalog's routes the way a test needs; the last test sends the real catalog what
hostile and careless clients send."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse

from factories import agency_body
from harness import (
    Infra,
    Keys,
    LocalMesh,
    MeshStarter,
    RunningService,
    assert_problem,
    city_admin,
    eventually,
    free_socket,
    fresh_database,
    region_admin,
    running_mesh,
    serve,
)

pytestmark = pytest.mark.integration


@dataclass
class StandIn:
    """What the stand-in service saw."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    writes: int = 0
    streams_cut: int = 0
    # A service that cannot serve: its readiness and its routes answer 503.
    failing: bool = False


def stand_in_app(seen: StandIn) -> FastAPI:
    """GET /agencies/<key> echoes the request as the service received it, or, for some keys, answers as a
    failing service would; POST /agencies reads its body and answers 201."""
    app = FastAPI()

    @app.get("/readyz")
    async def ready() -> Response:
        return JSONResponse(
            {"status": "not-ready" if seen.failing else "ready"}, status_code=503 if seen.failing else 200
        )

    @app.get("/agencies/{key}")
    async def agency(key: str, request: Request) -> Response:
        if seen.failing:
            return Response("cannot serve", status_code=503)
        scope = request.scope
        echo = {
            "path": scope["path"],
            "query": scope["query_string"].decode("latin-1"),
            "forwarded_for": request.headers.getlist("x-forwarded-for"),
            "note": dict(scope["headers"]).get(b"x-note", b"").decode(),
        }
        seen.requests.append(echo)
        address = f"{request.url.hostname}:{request.url.port}"
        if key.startswith("status-"):
            return Response(f"{key} from {address}", status_code=int(key.removeprefix("status-")))
        if key == "redirect":
            return Response(
                status_code=307,
                headers={
                    "location": f"http://{address}/agencies/x?y=1",
                    "content-location": "/agencies/x",
                    "link": f'<http://{address}/agencies?page=2>; rel="next"',
                    "x-served-by": address,
                },
            )
        if key == "broken":
            return StreamingResponse(broken_body(), media_type="text/plain")
        if key == "slow":
            return StreamingResponse(slow_body(seen), media_type="text/plain")
        return JSONResponse(echo)

    @app.post("/agencies")
    async def register(request: Request) -> Response:
        await request.body()
        seen.writes += 1
        return JSONResponse({"id": str(uuid.uuid4())}, status_code=201)

    return app


async def broken_body() -> AsyncIterator[bytes]:
    yield b"the beginning"
    raise RuntimeError("the service breaks off mid-answer")


async def slow_body(seen: StandIn) -> AsyncIterator[bytes]:
    try:
        for _ in range(400):
            yield b"x" * 1024
            await asyncio.sleep(0.01)
    except asyncio.CancelledError:
        # Only the connection's end stops this answer early: whoever read it closed the connection.
        seen.streams_cut += 1
        raise


@contextlib.asynccontextmanager
async def stand_in() -> AsyncIterator[tuple[StandIn, RunningService]]:
    seen = StandIn()
    running = await serve(stand_in_app(seen), free_socket(), "stand-in")
    try:
        yield seen, running
    finally:
        running.server.should_exit = True
        await running.task


@dataclass
class Routed:
    """A gateway whose catalog is the stand-in, a client of it, and an administrator's headers."""

    seen: StandIn
    service: RunningService
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]


@contextlib.asynccontextmanager
async def gateway_before_stand_in(start_mesh: MeshStarter, **settings: Any) -> AsyncIterator[Routed]:
    """A stand-in service and a gateway of its own in front of it, with the gateway settings given."""
    async with stand_in() as (seen, service):
        gateway_settings = {"HUB_UPSTREAM_URLS": {"catalog": service.url}, **settings}
        async with start_mesh(["gateway"], {"gateway": gateway_settings}) as mesh, mesh.client("gateway") as gateway:
            yield Routed(seen, service, mesh, gateway, await region_admin(mesh))


@pytest.fixture(scope="module")
async def shared(infra: Infra, keys: Keys) -> AsyncIterator[Routed]:
    """One stand-in and gateway for the tests that leave the circuit and the service as they found them."""
    database = await fresh_database(infra, "gateway")
    try:
        async with (
            stand_in() as (seen, service),
            running_mesh(
                ["gateway"], infra=infra, keys=keys, databases={"gateway": database},
                topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
                settings_overrides=lambda _: {"HUB_UPSTREAM_URLS": {"catalog": service.url}},
            ) as mesh,
            mesh.client("gateway") as gateway,
        ):  # fmt: skip
            yield Routed(seen, service, mesh, gateway, await region_admin(mesh))
    finally:
        await infra.drop_database(database)


@pytest.fixture
def routed(shared: Routed) -> Routed:
    """The shared gateway, its stand-in having seen nothing yet."""
    shared.seen.requests.clear()
    shared.seen.writes = shared.seen.streams_cut = 0
    return shared


def names(response: httpx.Response, address: str) -> bool:
    """Whether an answer names the address anywhere: in a header's name or value, or in its body."""
    return address in response.text or any(address in f"{k}: {v}" for k, v in response.headers.items())


# Paths

# Segments whose escapes are URL syntax ("?", "#", "%"), or stand for what a URL may not hold raw.
SEGMENTS = ["%3Flimit=1", "a%23b", "100%25", "a%20b", "%E4%B8%AD%E6%96%87", "a;b=c", "%40me", "%2B1"]


async def test_the_service_gets_the_path_the_gateway_authorised_never_url_syntax_made_of_it_A12_1(
    routed: Routed,
) -> None:
    answers = [await routed.gateway.get(f"/api/catalog/agencies/{s}", headers=routed.admin) for s in SEGMENTS]
    for segment, response in zip(SEGMENTS, answers, strict=True):
        assert response.status_code == 200, (segment, response.text)
        # The service decodes the path as the gateway did, so it serves the route the policy was asked about.
        assert response.json()["path"] == "/agencies/" + unquote(segment)
        assert response.json()["query"] == ""
    assert routed.seen.requests == [response.json() for response in answers]


async def test_the_query_and_headers_go_on_as_sent_but_not_the_clients_forwarding_claims_A12_1_A36_1(
    routed: Routed,
) -> None:
    response = await routed.gateway.get(
        "/api/catalog/agencies/echo?q=a%26b&r=a+b&s=%2B&t=%23",
        headers=[
            *((name.encode(), value.encode()) for name, value in routed.admin.items()),
            (b"x-note", "统计分析".encode()),  # UTF-8, as HTTP allows header values to be any octets
            (b"x-forwarded-for", b"203.0.113.9"),
            (b"forwarded", b"for=203.0.113.9"),
        ],
    )
    assert response.status_code == 200, response.text
    assert response.json()["query"] == "q=a%26b&r=a+b&s=%2B&t=%23"
    assert response.json()["note"] == "统计分析"
    # The service learns the client the gateway saw (here the socket's peer), once.
    assert response.json()["forwarded_for"] == ["127.0.0.1"]


async def test_a_header_value_that_is_not_utf8_is_a_400_problem_and_never_reaches_the_service_mangled_A28_1(
    routed: Routed,
) -> None:
    # Latin-1 "é": the service would get other bytes than the client sent, so the gateway refuses to pass it on.
    headers = [*((name.encode(), value.encode()) for name, value in routed.admin.items()), (b"x-note", b"caf\xe9")]
    response = await routed.gateway.get("/api/catalog/agencies/echo", headers=headers)
    assert assert_problem(response, 400)["detail"].startswith("The request cannot be passed on")
    assert routed.seen.requests == []


async def test_a_path_no_route_can_hold_is_a_422_problem_and_never_reaches_the_service_A28_1(routed: Routed) -> None:
    segments = ["%10", "%09", "%7F", "%00", "%2E%2E", "%2e"]
    answers = [await routed.gateway.get(f"/api/catalog/agencies/{s}", headers=routed.admin) for s in segments]
    for response in answers:
        problem = assert_problem(response, 422)
        assert any(error["field"].startswith("path") for error in problem["errors"])
    assert routed.seen.requests == []


# Addresses


async def test_no_answer_names_the_services_address_and_a_redirect_points_under_the_gateway_A12_1(
    start_mesh: MeshStarter,
) -> None:
    async with gateway_before_stand_in(start_mesh) as routed:
        gateway, admin, service = routed.gateway, routed.admin, routed.service
        address = service.url.removeprefix("http://")
        redirect = await gateway.get("/api/catalog/agencies/redirect", headers=admin)
        failing = await gateway.get("/api/catalog/agencies/status-503", headers=admin)
        echoed = await gateway.get("/api/catalog/agencies/%3Flimit=1", headers=admin)
        service.server.should_exit = True
        await service.task
        unreachable = await gateway.get("/api/catalog/agencies/echo", headers=admin)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/api/catalog/agencies/x?y=1"
    assert redirect.headers["content-location"] == "/api/catalog/agencies/x"
    assert redirect.headers["link"] == '</api/catalog/agencies?page=2>; rel="next"'
    assert "x-served-by" not in redirect.headers
    assert assert_problem(unreachable, 503)["detail"] == "catalog is unavailable."
    for response in (redirect, echoed, unreachable):
        assert not names(response, address), (response.headers, response.text)
    # A service's own body is its own: the gateway passes it on unread (this one names the address on purpose).
    assert failing.status_code == 503
    assert address in failing.text


# The circuit breaker


async def abandon_body(gateway_url: str, path: str, headers: dict[str, str]) -> None:
    """Declare a body, send its first bytes, and go away (a caller that crashed or gave up mid-upload)."""
    host, port = gateway_url.removeprefix("http://").split(":")
    _, writer = await asyncio.open_connection(host, int(port))
    head = f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(head.encode() + b'\r\n{"name": "')
    await writer.drain()
    await asyncio.sleep(0.2)  # the gateway has begun passing the body on
    writer.close()
    await writer.wait_closed()


async def test_callers_faults_never_open_the_circuit_4xx_500_and_abandoned_bodies_A28_1(
    start_mesh: MeshStarter,
) -> None:
    async with gateway_before_stand_in(start_mesh, circuit_failure_threshold=2, circuit_open_seconds=30) as routed:
        gateway, admin = routed.gateway, routed.admin
        refused = [await gateway.get(f"/api/catalog/agencies/status-{s}", headers=admin) for s in (404, 422, 500) * 3]
        for _ in range(3):
            await abandon_body(routed.mesh.url("gateway"), "/api/catalog/agencies", admin)
        write = await gateway.post("/api/catalog/agencies", json={"name": "市公安局"}, headers=admin)
    assert [r.status_code for r in refused] == [404, 422, 500] * 3
    assert write.status_code == 201, write.text
    assert routed.seen.writes == 1


async def test_502_503_504_answers_are_the_services_faults_and_open_its_circuit(start_mesh: MeshStarter) -> None:
    async with gateway_before_stand_in(start_mesh, circuit_failure_threshold=3, circuit_open_seconds=30) as routed:
        gateway, admin = routed.gateway, routed.admin
        failing = [await gateway.get(f"/api/catalog/agencies/status-{s}", headers=admin) for s in (502, 503, 504)]
        stopped = await gateway.get("/api/catalog/agencies/echo", headers=admin)
    # Each answer is passed on as the service gave it; then the gateway stops calling the service for a while.
    assert [r.status_code for r in failing] == [502, 503, 504]
    assert "stopped calling" in assert_problem(stopped, 503)["detail"]
    assert len(routed.seen.requests) == 3


async def test_a_killed_replica_costs_at_most_one_error_and_never_opens_the_circuit_of_the_other_A29_1(
    start_mesh: MeshStarter,
) -> None:
    # One fault opens a circuit here; probes come once an hour, so only the failed request can tell the gateway.
    settings = {"circuit_failure_threshold": 1, "circuit_open_seconds": 30, "upstream_probe_seconds": 3600}
    async with stand_in() as (_, alive), stand_in() as (_, doomed):
        gateway_settings = {"HUB_UPSTREAM_URLS": {"catalog": [alive.url, doomed.url]}, **settings}
        async with start_mesh(["gateway"], {"gateway": gateway_settings}) as mesh, mesh.client("gateway") as gateway:
            admin = await region_admin(mesh)
            before = [await gateway.get("/api/catalog/agencies/echo", headers=admin) for _ in range(4)]
            doomed.server.should_exit = True
            await doomed.task
            after = [await gateway.get("/api/catalog/agencies/echo", headers=admin) for _ in range(10)]
    assert [r.status_code for r in before] == [200] * 4
    statuses = [r.status_code for r in after]
    assert statuses.count(503) <= 1, statuses
    assert statuses.count(200) >= 9, statuses


async def test_a_replica_whose_readiness_passes_again_is_tried_at_once_not_when_its_circuit_times_out_A29_1(
    start_mesh: MeshStarter,
) -> None:
    # Its circuit would stay open for an hour: only the readiness probe can bring the replica back.
    settings = {"circuit_failure_threshold": 1, "circuit_open_seconds": 3600, "upstream_probe_seconds": 0.1}
    async with stand_in() as (_, first), stand_in() as (second_seen, second):
        gateway_settings = {"HUB_UPSTREAM_URLS": {"catalog": [first.url, second.url]}, **settings}
        async with start_mesh(["gateway"], {"gateway": gateway_settings}) as mesh, mesh.client("gateway") as gateway:
            admin = await region_admin(mesh)
            second_seen.failing = True
            # The second replica's circuit opens on its first 503 (passed on as it came), then probes skip it.
            for _ in range(6):
                await gateway.get("/api/catalog/agencies/echo", headers=admin)
            failed_at = len(second_seen.requests)
            second_seen.failing = False

            async def second_serves_again() -> bool:
                answer = await gateway.get("/api/catalog/agencies/echo", headers=admin)
                assert answer.status_code == 200, answer.text
                return len(second_seen.requests) > failed_at

            await eventually(second_serves_again, within=10)


async def test_a_service_answering_what_is_not_http_is_a_503_problem_A28_1(start_mesh: MeshStarter) -> None:
    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"this is not HTTP at all\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(babble, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    try:
        async with (
            start_mesh(["gateway"], {"gateway": {"HUB_UPSTREAM_URLS": {"catalog": url}}}) as mesh,
            mesh.client("gateway") as gateway,
        ):
            response = await gateway.get("/api/catalog/agencies/echo", headers=await region_admin(mesh))
    finally:
        server.close()
    assert assert_problem(response, 503)["detail"] == "catalog is unavailable."


# The connection pool


async def test_an_answer_the_service_broke_off_does_not_poison_the_next_request_A28_1(routed: Routed) -> None:
    gateway, admin = routed.gateway, routed.admin
    with pytest.raises(httpx.RemoteProtocolError):
        await gateway.get("/api/catalog/agencies/broken", headers=admin)
    after = [await gateway.get(f"/api/catalog/agencies/after-{n}", headers=admin) for n in range(3)]
    write = await gateway.post("/api/catalog/agencies", json={"name": "市公安局"}, headers=admin)
    assert [r.json()["path"] for r in after] == [f"/agencies/after-{n}" for n in range(3)]
    assert write.status_code == 201, write.text


async def test_an_answer_not_read_to_the_end_closes_its_connection_instead_of_pooling_it_A28_1(
    routed: Routed,
) -> None:
    gateway, admin = routed.gateway, routed.admin
    async with gateway.stream("GET", "/api/catalog/agencies/slow", headers=admin) as download:
        assert download.status_code == 200
        async for _ in download.aiter_raw():
            break  # the caller stops reading and goes away
    # The service's answer stops early only when its connection closes: the gateway closed it, rather than pooling a
    # connection with the rest of this answer still to come for the next request to read.
    await eventually(lambda: routed.seen.streams_cut == 1, within=5)
    after = await gateway.get("/api/catalog/agencies/after", headers=admin)
    assert after.status_code == 200, after.text
    assert after.json()["path"] == "/agencies/after"


# The real catalog


def careless_requests(admin: dict[str, str]) -> list[tuple[str, str, dict[str, object]]]:
    """(method, gateway path, httpx arguments) of requests a hostile or careless client sends."""
    json = {**admin, "content-type": "application/json"}
    return [
        ("GET", "/api/catalog/agencies/%3Flimit=1", {"headers": admin}),
        ("GET", "/api/catalog/agencies/a%23b", {"headers": admin}),
        ("GET", "/api/catalog/agencies/%10", {"headers": admin}),
        ("GET", "/api/catalog/agencies/%09", {"headers": admin}),
        ("GET", "/api/catalog/agencies/%7F", {"headers": admin}),
        ("GET", "/api/catalog/agencies/%2E%2E", {"headers": admin}),
        ("GET", "/api/catalog/agencies/%E4%B8%AD%20x", {"headers": admin}),
        ("GET", f"/api/catalog/agencies/{uuid.uuid4()}", {"headers": admin}),
        ("GET", "/api/catalog/agencies?limit=-1", {"headers": admin}),
        ("PUT", "/api/catalog/agencies", {"headers": admin}),
        ("POST", "/api/catalog/agencies", {"headers": json, "content": b"{"}),
        ("POST", "/api/catalog/agencies", {"headers": json, "content": b"{}"}),
        ("POST", "/api/catalog/agencies", {"headers": json, "json": agency_body(credit_code="X" * 18)}),
        ("POST", "/api/catalog/agencies", {"headers": {**admin, "content-type": "text/plain"}, "content": b"x"}),
    ]


async def test_fifty_bad_requests_leave_the_next_write_unharmed_and_none_is_a_5xx_A28_1(
    start_mesh: MeshStarter,
) -> None:
    # A circuit that opened on two faults would open here if any of these counted as the catalog's.
    settings = {"circuit_failure_threshold": 2, "circuit_open_seconds": 30}
    async with start_mesh(["catalog", "gateway"], {"gateway": settings}) as mesh, mesh.client("gateway") as gateway:
        address = mesh.url("catalog").removeprefix("http://")
        admin = await city_admin(mesh, gateway)
        requests = careless_requests(admin)
        answers: list[httpx.Response] = []
        for n in range(47):
            method, path, arguments = requests[n % len(requests)]
            answers.append(await gateway.request(method, path, **arguments))  # type: ignore[arg-type]
        for _ in range(3):
            await abandon_body(mesh.url("gateway"), "/api/catalog/agencies", admin)
        write = await gateway.post("/api/catalog/agencies", json=agency_body(), headers=admin)
    for response in answers:
        assert 400 <= response.status_code < 500, (response.request.url, response.status_code, response.text)
        assert response.headers["content-type"] == "application/problem+json", response.request.url
        assert not names(response, address), (response.request.url, response.headers, response.text)
    assert write.status_code == 201, write.text
