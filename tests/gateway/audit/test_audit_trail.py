"""The exchange audit through a running mesh: what every request leaves in the chain, and what tampering with
the stored chain looks like to the inspector, the CLI and an exported copy (A28.1, A34.1, A36.1)."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import asyncpg
import httpx
import orjson
import pytest
from fastapi import FastAPI, Response
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from factories import agency_body
from gateway.audit import service
from gateway.audit.chain import GENESIS, verify_chain
from gateway.audit.writer import anchor_chain_head
from gateway.context import GatewayContext
from gateway.routing.upstreams import Upstream
from harness import (
    CITY,
    Infra,
    LocalMesh,
    MeshStarter,
    assert_problem,
    city_admin,
    eventually,
    free_socket,
    records_of,
    register_client,
    rows,
    serve,
)
from hub.db import async_url, asyncpg_dsn
from hub.events import EventEnvelope
from hub.spreadsheets import restore_formula_text

pytestmark = pytest.mark.integration

SERVICES = ["catalog", "share", "gateway"]
PURPOSE = "统计分析"
# The writer's own lock: tampering inside it never lands in the middle of a batch being appended.
CHAIN_LOCK = "SELECT pg_advisory_xact_lock(hashtext('gateway.audit_chain'))"
TIMESTAMPS = ("request_in", "request_out", "response_in", "response_out")

Record = dict[str, Any]


@pytest.fixture
async def mesh(
    start_mesh: MeshStarter, spans: tuple[InMemorySpanExporter, SimpleSpanProcessor]
) -> AsyncIterator[LocalMesh]:
    async with start_mesh(SERVICES, span_processors=[spans[1]]) as running:
        yield running


@pytest.fixture
async def gateway(mesh: LocalMesh) -> AsyncIterator[httpx.AsyncClient]:
    async with mesh.client("gateway") as client:
        yield client


@pytest.fixture
async def admin(mesh: LocalMesh, gateway: httpx.AsyncClient) -> dict[str, str]:
    """The city's bureau administrator, who is also its inspector, with the city in the region tree.

    Adding the city is itself an audited exchange: seq 1 of every chain here.
    """
    return await city_admin(mesh, gateway)


async def export(gateway: httpx.AsyncClient, headers: dict[str, str], first: int = 1) -> dict[str, Any]:
    response = await gateway.get("/admin/audit/export", params={"from": first, "format": "json"}, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def audited(
    gateway: httpx.AsyncClient, headers: dict[str, str], matches: Callable[[Record], bool], count: int = 1
) -> list[Record]:
    """The exported records that match, `count` of them.

    No waiting: the guard commits a request's record before its response starts (A36.1), so every exchange
    answered so far is in the chain.
    """
    records = [r for r in (await export(gateway, headers))["records"] if matches(r)]
    assert len(records) == count, records
    return records


async def verify(gateway: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    response = await gateway.get("/admin/audit/verify", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def breaks_of(report: dict[str, Any]) -> list[tuple[int, str]]:
    return [(b["seq"], b["kind"]) for b in report["breaks"]]


async def audited_requests(gateway: httpx.AsyncClient, headers: dict[str, str], count: int) -> None:
    """`count` audited exchanges, all in the chain when this returns (with the city added: seq 1 to count + 1)."""
    for _ in range(count):
        response = await gateway.get("/api/catalog/agencies", headers=headers)
        assert response.status_code == 200, response.text
    await audited(gateway, headers, lambda r: r["route"] == "/agencies" and r["method"] == "GET", count)


async def as_dba(database_url: str, *statements: str) -> None:
    """Change audit_records as someone who can switch the append-only trigger off (superuser)."""
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        await conn.execute("SET session_replication_role = replica")
        async with conn.transaction():
            await conn.execute(CHAIN_LOCK)
            for statement in statements:
                await conn.execute(statement)
    finally:
        await conn.close()


async def stored_record(database_url: str, seq: int) -> asyncpg.Record | None:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        row: asyncpg.Record | None = await conn.fetchrow("SELECT * FROM audit_records WHERE seq = $1", seq)
        return row
    finally:
        await conn.close()


async def cli_verify(
    database_url: str, workdir: Path, *args: str, env: dict[str, str] | None = None
) -> tuple[int, str]:
    """`python -m gateway.audit verify` against the gateway's database, as an operator runs it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.audit", "verify", *args,
        env={**os.environ, **(env or {}), "DATABASE_URL": database_url}, cwd=workdir,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def anchor(database_url: str) -> tuple[int, str]:
    """Anchor the chain head now, as the gateway does every audit_anchor_interval_seconds."""
    engine = create_async_engine(async_url(database_url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            anchored = await anchor_chain_head(session)
            assert anchored is not None
            return anchored.seq, anchored.hash
    finally:
        await engine.dispose()


async def client_id_of(database_url: str, login: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return str(await conn.fetchval("SELECT id FROM clients WHERE login = $1", login))
    finally:
        await conn.close()


async def test_a_request_through_the_gateway_is_attributed_timed_and_traced_in_the_audit_A36_1(
    mesh: LocalMesh,
    gateway: httpx.AsyncClient,
    admin: dict[str, str],
    spans: tuple[InMemorySpanExporter, SimpleSpanProcessor],
) -> None:
    body = orjson.dumps(agency_body())
    spans[0].clear()

    response = await gateway.post(
        "/api/catalog/agencies",
        content=body,
        headers={**admin, "content-type": "application/json", "x-hub-purpose": quote(PURPOSE)},
    )

    assert response.status_code == 201, response.text
    [record] = await audited(gateway, admin, lambda r: r["method"] == "POST" and r["route"] == "/agencies")
    assert record["kind"] == "exchange"
    assert record["event"] == "exchange"
    assert record["caller"] == await client_id_of(mesh.databases["gateway"], "admin")
    assert record["caller_kind"] == "operator"
    assert record["roles"] == "administrator,inspector"
    assert record["region_code"] == CITY
    assert record["service"] == "catalog"
    assert record["path"] == "/api/catalog/agencies"
    assert record["status"] == 201
    assert record["request_bytes"] == len(body)
    assert record["response_bytes"] == len(response.content)  # as catalog declared it, before it was sent on
    assert record["purpose"] == PURPOSE
    request_in, request_out, response_in, response_out = (datetime.fromisoformat(record[t]) for t in TIMESTAMPS)
    assert request_in <= request_out <= response_in <= response_out
    # The record names the trace the request ran in, across the gateway and the service behind it.
    catalog_traces = {
        format(s.context.trace_id, "032x")
        for s in spans[0].get_finished_spans()
        if s.resource.attributes["service.name"] == "catalog" and s.kind == SpanKind.SERVER
    }
    assert record["trace_id"] in catalog_traces


async def test_denied_and_unauthenticated_requests_are_recorded_as_security_events_A28_1(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    agency_system = await register_client(gateway, admin, "agency_system", ["agency_system"])

    anonymous = await gateway.get("/api/catalog/agencies")
    forbidden = await gateway.post("/api/catalog/agencies", json=agency_body(), headers=agency_system)
    bad_token = await gateway.get("/api/catalog/agencies", headers={"authorization": "Bearer not-a-token"})

    assert (anonymous.status_code, forbidden.status_code, bad_token.status_code) == (401, 403, 401)
    security = await audited(gateway, admin, lambda r: r["kind"] == "security", count=3)
    by_outcome = {(r["caller_kind"], r["method"], r["status"], r["event"]) for r in security}
    assert by_outcome == {
        ("anonymous", "GET", 401, "access.denied"),
        ("agency_system", "POST", 403, "access.denied"),
        ("anonymous", "GET", 401, "auth.failed"),
    }
    for record in security:
        assert record["service"] == "catalog"
        assert record["route"] == "/agencies"
        assert record["detail"]
    denied = next(r for r in security if r["caller_kind"] == "agency_system")
    assert denied["roles"] == "agency_system"
    assert denied["response_bytes"] == len(forbidden.content)
    assert denied["caller"] not in ("", "anonymous")
    # The same events, as the security-event report lists them.
    listed = await gateway.get("/admin/security-events", headers=admin)
    assert listed.status_code == 200, listed.text
    assert [r["seq"] for r in listed.json()] == [r["seq"] for r in security]


async def test_the_chain_verifies_intact_and_an_edited_record_is_named_altered_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 3)
    assert await verify(gateway, admin) == {"intact": True, "breaks": []}
    code, output = await cli_verify(database, tmp_path)
    assert (code, output.strip()) == (0, "audit chain intact")

    await as_dba(database, "UPDATE audit_records SET status = 299 WHERE seq = 2")

    report = await verify(gateway, admin)
    assert report["intact"] is False
    assert breaks_of(report) == [(2, "altered")]
    code, output = await cli_verify(database, tmp_path)
    assert code == 1
    assert "altered" in output
    assert "seq 2:" in output


async def test_a_deleted_record_is_named_removed_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 4)

    await as_dba(database, "DELETE FROM audit_records WHERE seq = 2")

    report = await verify(gateway, admin)
    assert breaks_of(report) == [(3, "removed")]
    assert "2 missing before 3" in report["breaks"][0]["detail"]
    code, output = await cli_verify(database, tmp_path)
    assert code == 1
    assert "removed" in output
    assert "seq 3:" in output


async def test_records_swapped_in_the_chain_are_named_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 4)

    await as_dba(
        database,
        "UPDATE audit_records SET seq = -2 WHERE seq = 2",
        "UPDATE audit_records SET seq = 2 WHERE seq = 3",
        "UPDATE audit_records SET seq = 3 WHERE seq = -2",
    )

    breaks = breaks_of(await verify(gateway, admin))
    assert (2, "altered") in breaks
    assert (3, "altered") in breaks
    assert {seq for seq, kind in breaks if kind == "reordered"} >= {2, 3}
    code, output = await cli_verify(database, tmp_path)
    assert code == 1
    assert "seq 2:" in output
    assert "seq 3:" in output


async def test_an_ordinary_session_cannot_update_or_delete_an_audit_record_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 2)
    before = await stored_record(database, 1)

    conn = await asyncpg.connect(asyncpg_dsn(database))
    try:
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("UPDATE audit_records SET status = 299 WHERE seq = 1")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("DELETE FROM audit_records WHERE seq = 1")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await conn.execute("DELETE FROM audit_records")
    finally:
        await conn.close()

    assert before is not None
    assert await stored_record(database, 1) == before
    assert await verify(gateway, admin) == {"intact": True, "breaks": []}


async def test_an_exported_range_carries_the_proof_to_verify_it_offline_A34_1(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    await audited_requests(gateway, admin, 3)
    whole = await export(gateway, admin)
    first_record = whole["records"][0]
    assert whole["proof"]["prev_hash_of_first"] == GENESIS

    ranged = await export(gateway, admin, first=2)

    proof = ranged["proof"]
    assert proof["first_seq"] == 2
    assert proof["prev_hash_of_first"] == first_record["hash"]
    assert ranged["records"][0]["seq"] == 2
    # An inspector holding only the export checks it without the database, and sees an edit made to the copy.
    records = ranged["records"]
    assert verify_chain(records, expected_first_seq=2, expected_prev_hash=proof["prev_hash_of_first"]) == []
    edited = [{**records[0], "status": 299}, *records[1:]]
    edited_breaks = verify_chain(edited, expected_first_seq=2, expected_prev_hash=proof["prev_hash_of_first"])
    assert [(b.seq, b.kind) for b in edited_breaks] == [(2, "altered")]

    response = await gateway.get("/admin/audit/export", params={"from": 2, "format": "csv"}, headers=admin)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["x-hub-chain-prev-hash"] == first_record["hash"]
    reader = csv.DictReader(io.StringIO(response.text))
    assert reader.fieldnames is not None
    assert {"seq", "prev_hash", "hash"} <= set(reader.fieldnames)
    rows = list(reader)
    assert rows[0]["seq"] == "2"
    assert rows[0]["prev_hash"] == first_record["hash"]
    assert [row["hash"] for row in rows[: len(records)]] == [r["hash"] for r in records]


async def test_cutting_the_chain_below_an_anchor_is_reported_truncated_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], tmp_path: Path
) -> None:
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 6)
    anchored_seq, _ = await anchor(database)
    assert anchored_seq >= 6

    await as_dba(database, "DELETE FROM audit_records WHERE seq > 2")

    report = await verify(gateway, admin)
    assert breaks_of(report) == [(anchored_seq, "truncated")]
    code, output = await cli_verify(database, tmp_path)
    assert code == 1
    assert "truncated" in output
    assert f"seq {anchored_seq}:" in output


async def test_audit_records_and_anchors_are_published_as_cloudevents_in_chain_order_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], infra: Infra, topic_prefix: str
) -> None:
    response = await gateway.post(
        "/api/catalog/agencies", json=agency_body(), headers={**admin, "x-hub-purpose": quote(PURPOSE)}
    )
    assert response.status_code == 201, response.text
    [record] = await audited(gateway, admin, lambda r: r["method"] == "POST" and r["route"] == "/agencies")
    anchored_seq, anchored_hash = await anchor(mesh.databases["gateway"])
    topic = f"{topic_prefix}gateway.audit"

    async def published() -> list[tuple[bytes | None, EventEnvelope]] | None:
        messages = await _messages(infra, topic)
        types = {envelope.type for _, envelope in messages}
        return messages if {"gateway.exchanges.audited", "gateway.audit.anchored"} <= types else None

    messages = await eventually(published, within=30)

    assert {key for key, _ in messages} == {b"audit-chain"}
    batches = [envelope for _, envelope in messages if envelope.type == "gateway.exchanges.audited"]
    assert {envelope.source for envelope in batches} == {"/hub/gateway"}
    exchanges = [exchange for envelope in batches for exchange in envelope.data["records"]]
    seqs = [exchange["seq"] for exchange in exchanges]
    assert seqs == list(range(1, len(seqs) + 1))  # every record, once, in chain order
    for envelope in batches:
        assert [envelope.data["first_seq"], envelope.data["last_seq"]] == [
            envelope.data["records"][0]["seq"], envelope.data["records"][-1]["seq"]
        ]  # fmt: skip
    event = next(exchange for exchange in exchanges if exchange["seq"] == record["seq"])
    for name in ("hash", "caller", "caller_kind", "route", "service", "status", "purpose", "trace_id"):
        assert event[name] == record[name], name
    anchors = [envelope.data for _, envelope in messages if envelope.type == "gateway.audit.anchored"]
    assert {"seq": anchored_seq, "hash": anchored_hash} in [{"seq": a["seq"], "hash": a["hash"]} for a in anchors]


async def _messages(infra: Infra, topic: str) -> list[tuple[bytes | None, EventEnvelope]]:
    """Every message on the topic so far (key and CloudEvent); none while the first event has not created it."""
    try:
        records = await records_of(infra.kafka_bootstrap, topic)
    except AssertionError:
        return []
    return [(r.key, EventEnvelope.from_kafka(list(r.headers), r.value)) for r in records]


UNWRITABLE = {
    # What any anonymous caller controls, as headers and path reach the audit record.
    "an over-long grant header": ("/api/catalog/agencies", {"x-hub-grant": "g" * 150}),
    "an over-long path with a bad token": ("/api/catalog/" + "a" * 400, {"authorization": "Bearer bad"}),
    "a NUL in the purpose": ("/api/catalog/agencies", {"x-hub-purpose": "%00"}),
}


@pytest.mark.parametrize("case", UNWRITABLE)
async def test_no_caller_supplied_value_can_stop_the_audit_chain_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], case: str
) -> None:
    path, headers = UNWRITABLE[case]
    marker = f"/api/catalog/agencies/{uuid.uuid4()}"

    refused = await gateway.get(path, headers=headers)
    later = await gateway.get(marker, headers=admin)

    # A stuck writer would have answered 503 (AuditUnavailable) instead of either.
    assert (refused.status_code, later.status_code) == (401, 404)
    assert await _stored(mesh.databases["gateway"], marker)
    assert await verify(gateway, admin) == {"intact": True, "breaks": []}
    security = await audited(gateway, admin, lambda r: r["kind"] == "security")
    assert security[0]["caller"] == "anonymous"


async def _stored(database_url: str, path: str) -> bool:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM audit_records WHERE path = $1", path))
    finally:
        await conn.close()


# Beyond PostgreSQL's BIGINT (2**63 - 1), below the first seq, or an inverted range: each names its parameter.
OUT_OF_RANGE = [
    ("/admin/audit/export", {"from": str(10**20)}, "query.from"),
    ("/admin/audit/export", {"from": str(2**63)}, "query.from"),
    ("/admin/audit/export", {"from": "0"}, "query.from"),
    ("/admin/audit/export", {"to": str(10**20)}, "query.to"),
    ("/admin/audit/export", {"from": "5", "to": "4"}, "query.to"),
    ("/admin/audit/export", {"format": "xml"}, "query.format"),
    ("/admin/security-events", {"from": str(10**20)}, "query.from"),
    ("/admin/security-events", {"limit": "0"}, "query.limit"),
    ("/admin/security-events", {"limit": "1001"}, "query.limit"),
]


async def test_an_audit_parameter_out_of_range_is_a_422_naming_it_and_its_bound_is_in_the_openapi_A34_1(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    for path, params, field in OUT_OF_RANGE:
        response = await gateway.get(path, params=params, headers=admin)

        problem = assert_problem(response, 422)
        assert [error["field"] for error in problem["errors"]] == [field], (path, params)
    # The largest seq there can be is a valid (and empty) range, answered whole.
    for format in ("json", "csv"):
        response = await gateway.get(
            "/admin/audit/export", params={"from": "9223372036854775807", "format": format}, headers=admin
        )
        assert response.status_code == 200, response.text
    assert response.text.splitlines()[1:] == []  # the CSV header alone
    # Each bound is in the schema, where a client reads it.
    paths = (await gateway.get("/openapi.json")).json()["paths"]

    def bounds(path: str, name: str) -> tuple[int | None, int | None]:
        [parameter] = [p for p in paths[path]["get"]["parameters"] if p["name"] == name]
        schema = parameter["schema"]
        integer = next((s for s in schema.get("anyOf", [schema]) if s.get("type") == "integer"), schema)
        return integer.get("minimum"), integer.get("maximum")

    assert bounds("/admin/audit/export", "from") == (1, 9223372036854775807)
    assert bounds("/admin/audit/export", "to") == (1, 9223372036854775807)
    assert bounds("/admin/security-events", "from") == (1, 9223372036854775807)
    assert bounds("/admin/security-events", "limit") == (1, 1000)


async def test_a_grant_the_client_names_is_never_recorded_only_the_one_the_service_reports_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    # A stand-in for a serving service that checked a grant: it reports it (x-hub-audit-grant) for one id only.
    stand_in, granted_id = FastAPI(), str(uuid.uuid4())

    @stand_in.get("/{rest:path}")
    async def answer(rest: str) -> Response:
        reported = {"x-hub-audit-grant": "grant-checked-by-service"} if rest.endswith(granted_id) else {}
        return Response(b"{}", media_type="application/json", headers=reported)

    served = await serve(stand_in, free_socket(), "stand-in")
    context: GatewayContext = mesh.services["gateway"].app.state.gateway
    catalog = context.upstreams["catalog"]
    context.upstreams["catalog"] = Upstream(catalog.name, catalog.prefix, served.url)
    try:
        claims = {**admin, "x-hub-grant": "forged", "x-hub-purpose": quote(PURPOSE)}
        ungranted = await gateway.get(f"/api/catalog/agencies/{uuid.uuid4()}", headers=claims)
        granted = await gateway.get(f"/api/catalog/agencies/{granted_id}", headers=claims)
    finally:
        context.upstreams["catalog"] = catalog
        served.server.should_exit = True
        await served.task

    assert (ungranted.status_code, granted.status_code) == (200, 200)
    by_path = {r["path"]: r for r in (await export(gateway, admin))["records"]}
    assert by_path[ungranted.url.path]["grant_id"] is None
    assert by_path[granted.url.path]["grant_id"] == "grant-checked-by-service"
    for record in (by_path[ungranted.url.path], by_path[granted.url.path]):
        assert record["purpose"] == PURPOSE  # what the client declared, recorded as its declared purpose


async def test_a_tail_cut_after_the_newest_anchor_is_caught_against_the_published_copy_A36_1(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], infra: Infra, topic_prefix: str,
    tmp_path: Path,
) -> None:  # fmt: skip
    database = mesh.databases["gateway"]
    await audited_requests(gateway, admin, 2)
    anchored_seq, _ = await anchor(database)
    for _ in range(3):
        assert (await gateway.get("/api/catalog/agencies", headers=admin)).status_code == 200
    [(head,)] = await rows(database, "SELECT max(seq) FROM audit_records")

    async def published_to_head() -> bool:
        messages = await _messages(infra, f"{topic_prefix}gateway.audit")
        return any(e.data.get("last_seq") == head for _, e in messages)

    await eventually(published_to_head, within=30)
    await as_dba(database, f"DELETE FROM audit_records WHERE seq > {anchored_seq:d}")  # noqa: S608 - our own int
    kafka = {"KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap, "KAFKA_TOPIC_PREFIX": topic_prefix}

    # The database alone agrees with itself: its newest anchor is below the cut.
    engine = create_async_engine(async_url(database))
    try:
        async with async_sessionmaker(engine)() as session:
            assert await service.verify(session) == []
    finally:
        await engine.dispose()
    code, output = await cli_verify(database, tmp_path, "--published", env=kafka)

    assert code == 1
    assert "truncated" in output
    assert f"seq {head}: published record of record {head} is beyond the last record {anchored_seq}" in output


async def test_text_a_caller_typed_reaches_the_inspectors_csv_as_text_not_a_formula_A34_1(
    gateway: httpx.AsyncClient, admin: dict[str, str]
) -> None:
    formula = '=HYPERLINK("http://evil.example","click")'
    response = await gateway.get("/api/catalog/agencies", headers={**admin, "x-hub-purpose": formula})
    assert response.status_code == 200, response.text

    exported = await gateway.get("/admin/audit/export", params={"format": "csv"}, headers=admin)
    rows = [row for row in csv.DictReader(io.StringIO(exported.text)) if row["route"] == "/agencies"]
    records = await audited(gateway, admin, lambda r: r["route"] == "/agencies")

    assert rows[0]["purpose"] == "'" + formula
    assert records[0]["purpose"] == formula
    assert restore_formula_text(rows[0]["purpose"]) == records[0]["purpose"]
