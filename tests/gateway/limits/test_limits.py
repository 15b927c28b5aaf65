"""The gateway's limits on real servers: per-client rates, body caps, the circuit breaker, the upstream timeout
and the portal's CORS origins. A tripped limit is a security event, recorded and counted (A28.1)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client.parser import text_string_to_metric_families

from gateway.access.policy import KiB, MiB
from harness import MeshStarter, agency_known_to_gateway, assert_problem, eventually, free_socket, region_admin, token

pytestmark = pytest.mark.integration

PORTAL = "https://portal.example"


async def register_system(
    gateway: httpx.AsyncClient, admin: dict[str, str], agency_id: str
) -> tuple[str, dict[str, str]]:
    """An agency system of the agency: (its client id, its authorization headers)."""
    login = f"system-{uuid.uuid4().hex[:8]}"
    body = {
        "kind": "agency_system",
        "login": login,
        "display_name": login,
        "roles": ["agency_system"],
        "agency_id": agency_id,
        "region_code": "320200",
    }
    response = await gateway.post("/admin/clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created = response.json()
    return created["id"], await token(gateway, login, created["client_secret"], grant="client_credentials")


async def security_events(
    gateway: httpx.AsyncClient, headers: dict[str, str], event: str, count: int = 1
) -> list[dict[str, Any]]:
    """The recorded security events of a kind, once there are `count` of them (the audit writes in batches)."""
    response = await gateway.get("/admin/security-events", params={"limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    found = [e for e in response.json() if e["event"] == event]
    return found if len(found) >= count else []


async def security_event_count(gateway: httpx.AsyncClient, event: str) -> float:
    """hub_security_events_total{event=…} as the gateway's /metrics reports it (0 before the first)."""
    response = await gateway.get("/metrics")
    assert response.status_code == 200
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            if sample.name == "hub_security_events_total" and sample.labels.get("event") == event:
                return float(sample.value)
    return 0.0


async def chunks(total: int, size: int = 16 * KiB) -> AsyncIterator[bytes]:
    """A body sent chunked, without Content-Length, so only counting it as it arrives can cap it."""
    sent = 0
    while sent < total:
        piece = min(size, total - sent)
        sent += piece
        yield b"x" * piece


# Rates


async def test_the_request_past_a_clients_rate_gets_429_with_retry_after_and_is_a_security_event_A28_1(
    start_mesh: MeshStarter,
) -> None:
    rates = {
        "anonymous": "1000/second",
        "portal_user": "1000/second",
        "agency_system": "3/second",
        "ingest_job": "1000/second",
        "operator": "1000/second",
    }
    async with (
        start_mesh(["gateway"], {"gateway": {"HUB_RATE_LIMITS": rates}}) as mesh,
        mesh.client("gateway") as gateway,
    ):
        admin = await region_admin(mesh)
        agency_id = await agency_known_to_gateway(mesh)
        system_id, system = await register_system(gateway, admin, agency_id)
        _, other_system = await register_system(gateway, admin, agency_id)
        counted_before = await security_event_count(gateway, "rate.limited")
        answers = [await gateway.get("/.well-known/jwks.json", headers=system) for _ in range(4)]
        # The window is the client's own: another system of the same kind is not held back.
        other = await gateway.get("/.well-known/jwks.json", headers=other_system)
        events = await eventually(lambda: security_events(gateway, admin, "rate.limited"), within=5)
        counted_after = await security_event_count(gateway, "rate.limited")
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    problem = assert_problem(answers[3], 429)
    assert problem["type"] == "/problems/too-many-requests"
    assert answers[3].headers["retry-after"] == "1"  # a one-second window frees a slot within a second
    assert other.status_code == 200
    assert [(e["caller"], e["caller_kind"], e["status"], e["route"]) for e in events] == [
        (system_id, "agency_system", 429, "/.well-known/jwks.json")
    ]
    assert counted_after == counted_before + 1


# Body caps


async def test_a_body_declared_larger_than_its_routes_cap_is_refused_with_413_before_it_is_read_A28_1(
    start_mesh: MeshStarter,
) -> None:
    async with start_mesh(["gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await region_admin(mesh)
        counted_before = await security_event_count(gateway, "body.too_large")
        form = {"content-type": "application/x-www-form-urlencoded"}
        at_the_cap = await gateway.post("/auth/token", content=b"x" * (8 * KiB), headers=form)
        token_over = await gateway.post("/auth/token", content=b"x" * (8 * KiB + 1), headers=form)
        # The catalog is not even running: the gateway refuses on the declared length alone.
        agency_over = await gateway.post(
            "/api/catalog/agencies",
            content=b"{" + b" " * MiB + b"}",
            headers={**admin, "content-type": "application/json"},
        )
        events = await eventually(lambda: security_events(gateway, admin, "body.too_large", 2), within=5)
        counted_after = await security_event_count(gateway, "body.too_large")
    assert at_the_cap.status_code != 413
    for refused in (token_over, agency_over):
        assert assert_problem(refused, 413)["type"] == "/problems/body-too-large"
    assert "8192 bytes" in token_over.json()["detail"]
    assert f"{MiB} bytes" in agency_over.json()["detail"]
    assert sorted(e["route"] for e in events) == ["/agencies", "/auth/token"]
    assert counted_after == counted_before + 2


async def test_a_chunked_body_over_the_cap_of_a_gateway_route_is_refused_with_413_A28_1(
    start_mesh: MeshStarter,
) -> None:
    async with start_mesh(["gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await region_admin(mesh)
        response = await gateway.post(
            "/auth/token", content=chunks(64 * KiB), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert "content-length" not in response.request.headers
        assert assert_problem(response, 413)["type"] == "/problems/body-too-large"
        events = await eventually(lambda: security_events(gateway, admin, "body.too_large"), within=5)
    assert [e["route"] for e in events] == ["/auth/token"]


async def test_a_chunked_body_over_the_cap_of_a_proxied_route_is_413_and_does_not_open_the_circuit_A28_1(
    start_mesh: MeshStarter,
) -> None:
    settings = {"circuit_failure_threshold": 2}
    async with start_mesh(["catalog", "gateway"], {"gateway": settings}) as mesh, mesh.client("gateway") as gateway:
        admin = await region_admin(mesh)
        headers = {**admin, "content-type": "application/json"}
        oversized = [
            await gateway.post("/api/catalog/agencies", content=chunks(MiB + KiB), headers=headers) for _ in range(3)
        ]
        for response in oversized:
            assert assert_problem(response, 413)["type"] == "/problems/body-too-large"
        # One caller's oversized bodies say nothing of the catalog's health: everyone else is still served.
        served = await gateway.get("/api/catalog/agencies", headers=admin)
        assert served.status_code == 200, served.text
        events = await eventually(lambda: security_events(gateway, admin, "body.too_large", 3), within=5)
    assert [e["route"] for e in events] == ["/agencies"] * 3


# Upstream failures


def upstream_calls(exporter: InMemorySpanExporter, base_url: str) -> int:
    """The gateway's outgoing HTTP calls to one upstream, from its client spans."""
    return sum(
        1
        for span in exporter.get_finished_spans()
        if span.kind == SpanKind.CLIENT
        and span.resource.attributes.get("service.name") == "gateway"
        and any(isinstance(v, str) and v.startswith(base_url) for v in (span.attributes or {}).values())
    )


async def test_after_repeated_failures_the_circuit_opens_and_the_gateway_stops_calling_the_service(
    start_mesh: MeshStarter, spans: tuple[InMemorySpanExporter, SimpleSpanProcessor]
) -> None:
    exporter, processor = spans
    settings = {"circuit_failure_threshold": 2, "circuit_open_seconds": 30}
    async with start_mesh(["catalog", "gateway"], {"gateway": settings}, span_processors=[processor]) as mesh:
        catalog_url = mesh.url("catalog")
        async with mesh.client("gateway") as gateway:
            admin = await region_admin(mesh)
            assert (await gateway.get("/api/catalog/agencies", headers=admin)).status_code == 200
            await mesh.stop("catalog")
            tried_before = upstream_calls(exporter, catalog_url)
            failing = [await gateway.get("/api/catalog/agencies", headers=admin) for _ in range(2)]
            tried_failing = upstream_calls(exporter, catalog_url)
            opened = [await gateway.get("/api/catalog/agencies", headers=admin) for _ in range(3)]
            tried_opened = upstream_calls(exporter, catalog_url)
    for response in failing:
        assert assert_problem(response, 503)["detail"] == "catalog is unavailable."
    for response in opened:
        problem = assert_problem(response, 503)
        assert "stopped calling" in problem["detail"]
        assert problem["service"] == "catalog"
    assert tried_failing == tried_before + 2
    assert tried_opened == tried_failing


async def test_an_upstream_that_accepts_but_does_not_answer_in_time_is_a_504(start_mesh: MeshStarter) -> None:
    # A socket that listens but never accepts: the kernel completes the handshake, then nobody ever answers.
    silent = free_socket()
    silent.listen(16)
    settings = {
        "upstream_read_timeout_seconds": 0.3,
        "HUB_UPSTREAM_URLS": {"catalog": f"http://127.0.0.1:{silent.getsockname()[1]}"},
    }
    try:
        async with start_mesh(["gateway"], {"gateway": settings}) as mesh, mesh.client("gateway") as gateway:
            admin = await region_admin(mesh)
            started = time.monotonic()
            response = await gateway.get("/api/catalog/agencies", headers=admin)
            waited = time.monotonic() - started
    finally:
        silent.close()
    problem = assert_problem(response, 504)
    assert problem["type"] == "/problems/upstream-timeout"
    assert problem["service"] == "catalog"
    assert 0.3 <= waited < 5


# CORS


async def test_only_the_portals_origin_may_call_the_hub_from_a_browser(start_mesh: MeshStarter) -> None:
    async with (
        start_mesh(["gateway"], {"gateway": {"HUB_PORTAL_ORIGINS": [PORTAL]}}) as mesh,
        mesh.client("gateway") as gateway,
    ):
        preflights = {
            origin: await gateway.options(
                "/auth/token",
                headers={
                    "origin": origin,
                    "access-control-request-method": "POST",
                    "access-control-request-headers": "content-type",
                },
            )
            for origin in (PORTAL, "https://evil.example")
        }
        simple = {
            origin: await gateway.get("/.well-known/jwks.json", headers={"origin": origin})
            for origin in (PORTAL, "https://evil.example")
        }
    allowed = preflights[PORTAL]
    assert allowed.status_code == 200, allowed.text
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "content-type" in allowed.headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in preflights["https://evil.example"].headers
    assert simple[PORTAL].headers["access-control-allow-origin"] == PORTAL
    assert simple["https://evil.example"].status_code == 200
    assert "access-control-allow-origin" not in simple["https://evil.example"].headers
