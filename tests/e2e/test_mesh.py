"""The whole mesh on real PostgreSQL and Kafka: gateway → service → outbox → Kafka → consumer in another service."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from factories import agency_body
from harness import Infra, LocalMesh, MeshStarter, city_admin, eventually, records_of, rows

pytestmark = pytest.mark.integration

SERVICES = ["catalog", "share", "open", "aggregation", "supervision", "gateway"]


@pytest.fixture
async def mesh(
    start_mesh: MeshStarter, spans: tuple[InMemorySpanExporter, SimpleSpanProcessor]
) -> AsyncIterator[LocalMesh]:
    async with start_mesh(SERVICES, span_processors=[spans[1]]) as running:
        yield running


@pytest.fixture
async def admin(mesh: LocalMesh) -> dict[str, str]:
    """Authorization headers of the city's bureau administrator."""
    async with mesh.client("gateway") as gateway:
        return await city_admin(mesh, gateway)


async def register_agency_through_gateway(gateway: httpx.AsyncClient, admin: dict[str, str]) -> dict[str, object]:
    response = await gateway.post("/api/catalog/agencies", json=agency_body(), headers=admin)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_the_gateway_reports_every_service_ready(mesh: LocalMesh) -> None:
    async with mesh.client("gateway") as gateway:
        response = await eventually(lambda: _ready(gateway), within=30)
    checks = response.json()["checks"]
    for name in ("catalog", "share", "open", "aggregation", "supervision"):
        assert checks[f"service:{name}"]["ok"], checks
    assert checks["database"]["ok"]
    assert checks["migrations"]["ok"]
    assert checks["kafka"]["ok"]


async def _ready(client: httpx.AsyncClient) -> httpx.Response | None:
    response = await client.get("/readyz")
    return response if response.status_code == 200 else None


async def test_a_request_through_the_gateway_reaches_a_consumer_in_another_service_once_in_one_trace(
    mesh: LocalMesh,
    spans: tuple[InMemorySpanExporter, SimpleSpanProcessor],
    topic_prefix: str,
    infra: Infra,
    admin: dict[str, str],
) -> None:
    exporter = spans[0]
    exporter.clear()
    async with mesh.client("gateway") as gateway:
        agency = await register_agency_through_gateway(gateway, admin)
        seen = await eventually(lambda: _known_by_share(gateway, str(agency["id"]), admin))
    assert seen["credit_code"] == agency["credit_code"]

    # One trace: gateway server span → catalog server span → publish → share's consumer.
    # share's: supervision-svc consumes as well (catalog.events, and the gateway's audit in traces of its own).
    process = await eventually(
        lambda: [s for s in exporter.get_finished_spans()
                 if s.kind == SpanKind.CONSUMER and s.resource.attributes["service.name"] == "share"],
        within=10,
    )  # fmt: skip
    trace_id = process[0].context.trace_id
    in_trace = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_service = {(s.resource.attributes["service.name"], s.kind) for s in in_trace}
    assert ("gateway", SpanKind.SERVER) in by_service
    assert ("gateway", SpanKind.CLIENT) in by_service
    assert ("catalog", SpanKind.SERVER) in by_service
    assert ("catalog", SpanKind.PRODUCER) in by_service
    assert ("share", SpanKind.CONSUMER) in by_service
    gateway_server = next(
        s for s in in_trace if s.resource.attributes["service.name"] == "gateway" and s.parent is None
    )
    assert gateway_server.kind == SpanKind.SERVER

    # The consumer receives the very same message a second time: no second effect.
    topic = f"{topic_prefix}catalog.events"
    record = await _first_record(infra, topic)
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    try:
        duplicate = await producer.send_and_wait(topic, record.value, key=record.key, headers=list(record.headers))
    finally:
        await producer.stop()
    await eventually(
        lambda: _committed_past(infra, f"{topic_prefix}share", topic, duplicate.partition, duplicate.offset)
    )
    share_db = mesh.databases["share"]
    assert len(await rows(share_db, "SELECT * FROM known_agencies")) == 1
    assert len(await rows(share_db, "SELECT * FROM inbox")) == 1
    assert await records_of(infra.kafka_bootstrap, f"{topic}.dlq") == []


async def _known_by_share(
    gateway: httpx.AsyncClient, agency_id: str, headers: dict[str, str]
) -> dict[str, object] | None:
    response = await gateway.get(f"/api/share/agencies/{agency_id}", headers=headers)
    return dict(response.json()) if response.status_code == 200 else None


async def _first_record(infra: Infra, topic: str) -> ConsumerRecord[bytes, bytes]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=infra.kafka_bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        return await asyncio.wait_for(consumer.getone(), 10)
    finally:
        await consumer.stop()


async def _committed_past(infra: Infra, group: str, topic: str, partition: int, offset: int) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    committed = offsets.get(TopicPartition(topic, partition))
    return committed is not None and committed.offset > offset


async def test_a_direct_call_to_a_service_without_the_gateways_token_is_refused_A12_1(mesh: LocalMesh) -> None:
    async with mesh.client("catalog") as catalog:
        anonymous = await catalog.post("/agencies", json=agency_body())
        forged = await catalog.post("/agencies", json=agency_body(), headers={"x-hub-internal-token": "forged"})
        listed = await catalog.get("/agencies")
    for response in (anonymous, forged, listed):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["requirement"] == "A12.1"
    assert await rows(mesh.databases["catalog"], "SELECT * FROM agencies") == []


async def test_a_client_cannot_smuggle_its_own_internal_token_through_the_gateway_A12_1(
    mesh: LocalMesh, admin: dict[str, str]
) -> None:
    async with mesh.client("gateway") as gateway:
        response = await gateway.get("/api/catalog/agencies", headers={**admin, "x-hub-internal-token": "forged"})
    # The gateway drops the client's header and signs its own: the request is served, not refused.
    assert response.status_code == 200


async def test_a_wrong_credit_code_is_a_problem_naming_the_field_A2_1(mesh: LocalMesh, admin: dict[str, str]) -> None:
    body = agency_body()
    body["credit_code"] = body["credit_code"][:17] + ("0" if body["credit_code"][17] != "0" else "1")
    async with mesh.client("gateway") as gateway:
        response = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["type"] == "/problems/invalid-input"
    assert problem["errors"][0]["field"] == "body.credit_code"
    assert "A2.1" in problem["errors"][0]["message"]
    assert await rows(mesh.databases["catalog"], "SELECT * FROM outbox") == []


async def test_registering_the_same_agency_twice_is_a_conflict(mesh: LocalMesh, admin: dict[str, str]) -> None:
    body = agency_body()
    async with mesh.client("gateway") as gateway:
        first = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
        second = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["type"] == "/problems/conflict"


async def test_an_unknown_route_is_a_404_problem(mesh: LocalMesh, admin: dict[str, str]) -> None:
    async with mesh.client("gateway") as gateway:
        unknown_service = await gateway.get("/api/nowhere/things", headers=admin)
        unknown_path = await gateway.get("/not-an-api", headers=admin)
    for response in (unknown_service, unknown_path):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "/problems/not-found"


async def test_an_upstream_that_is_down_is_a_503_problem(mesh: LocalMesh, admin: dict[str, str]) -> None:
    await mesh.stop("share")
    async with mesh.client("gateway") as gateway:
        response = await gateway.get("/api/share/agencies/00000000-0000-0000-0000-000000000000", headers=admin)
        ready = await gateway.get("/readyz")
        ready_itself = await gateway.get("/readyz", params={"scope": "self"})
        catalog = await gateway.get("/api/catalog/agencies", headers=admin)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["service"] == "share"
    assert ready.status_code == 503
    assert ready.json()["checks"]["service:share"]["ok"] is False
    # The gateway itself still serves every other service: an orchestrator keeps it in its load balancer.
    assert catalog.status_code == 200
    assert ready_itself.status_code == 200
    assert not any(name.startswith("service:") for name in ready_itself.json()["checks"])
