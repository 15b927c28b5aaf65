"""Every change of the legacy-channel register is stated on `gateway.audit` (LegacyChannelStated, A12.1), through the
gateway's outbox in the change's transaction: the indicator system counts the channels that remain from these
(A32.1). Real PostgreSQL and Kafka; the expected statuses are A12.1's, not read from the module."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from factories import credit_code
from gateway.agencies.service import record_registered
from gateway.identities.keyring import Principal
from gateway.legacy import service
from gateway.legacy.schemas import LegacyChannelChange, LegacyChannelIn
from harness import (
    CITY,
    Infra,
    LocalMesh,
    MeshStarter,
    agency_known_to_gateway,
    eventually,
    records_of,
    region_admin,
    rows,
)
from hub.contracts.catalog import AgencyRegistered
from hub.db import async_url
from hub.events import EventEnvelope

pytestmark = pytest.mark.integration

STATED = "gateway.legacy_channel.stated"
XISHAN = "320205"


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    async with start_mesh(["gateway"]) as running:
        yield running


async def register(
    mesh: LocalMesh, gateway: httpx.AsyncClient, admin: dict[str, str], name: str, region: str = CITY
) -> dict[str, Any]:
    body = {
        "agency_id": await agency_known_to_gateway(mesh, region),
        "counterpart": "江苏省公安厅",
        "name": name,
        "region_code": region,
        "deadline": (date.today() + timedelta(days=30)).isoformat(),
    }
    response = await gateway.post("/admin/legacy-channels", json=body, headers=admin)
    assert response.status_code == 201, response.text
    registered: dict[str, Any] = response.json()
    return registered


async def move(gateway: httpx.AsyncClient, admin: dict[str, str], channel_id: str, status: str) -> httpx.Response:
    return await gateway.patch(f"/admin/legacy-channels/{channel_id}", json={"status": status}, headers=admin)


async def statements(infra: Infra, topic: str) -> list[tuple[bytes | None, EventEnvelope]]:
    """The LegacyChannelStated events on the topic so far, in order, with their keys."""
    try:
        records = await records_of(infra.kafka_bootstrap, topic)
    except AssertionError:  # no event yet has created the topic
        return []
    messages = [(r.key, EventEnvelope.from_kafka(list(r.headers), r.value)) for r in records]
    return [(key, envelope) for key, envelope in messages if envelope.type == STATED]


async def published(infra: Infra, topic: str, count: int) -> list[tuple[bytes | None, EventEnvelope]]:
    """The statements once `count` of them are on the topic."""

    async def enough() -> list[tuple[bytes | None, EventEnvelope]] | None:
        found = await statements(infra, topic)
        return found if len(found) >= count else None

    found: list[tuple[bytes | None, EventEnvelope]] = await eventually(enough, within=30)
    return found


async def test_each_register_change_states_the_channel_as_it_now_stands_and_refusals_state_nothing_A12_1_A32_1(
    mesh: LocalMesh, infra: Infra, topic_prefix: str
) -> None:
    admin = await region_admin(mesh)
    district_admin = await region_admin(mesh, "admin.xishan", XISHAN)
    started = datetime.now(UTC)
    async with mesh.client("gateway") as gateway:
        integrated = await register(mesh, gateway, admin, "人口库前置机")
        retired = await register(mesh, gateway, admin, "旧OA接口", region=XISHAN)
        assert (await move(gateway, admin, integrated["id"], "integrating")).status_code == 200
        # Refused: a skipped step (409, A12.1), a channel outside the district (403, A4.1), an unknown channel (404).
        assert (await move(gateway, admin, retired["id"], "integrated")).status_code == 409
        assert (await move(gateway, district_admin, integrated["id"], "retired")).status_code == 403
        assert (await move(gateway, admin, str(uuid.uuid4()), "retired")).status_code == 404
        assert (await move(gateway, admin, integrated["id"], "integrated")).status_code == 200
        assert (await move(gateway, admin, retired["id"], "retired")).status_code == 200
        # A move out of a final status is refused too, and states nothing.
        assert (await move(gateway, admin, retired["id"], "integrating")).status_code == 409

    found = await published(infra, f"{topic_prefix}gateway.audit", 5)

    # Keyed by the channel, so one channel's statements stay in order (channels may lie on different partitions).
    assert {key for key, _ in found} == {integrated["id"].encode(), retired["id"].encode()}
    assert all(key == e.data["channel_id"].encode() for key, e in found)
    statuses = {c["id"]: [e.data["status"] for _, e in found if e.data["channel_id"] == c["id"]]
                for c in (integrated, retired)}  # fmt: skip
    assert statuses == {
        integrated["id"]: ["registered", "integrating", "integrated"],
        retired["id"]: ["registered", "retired"],
    }
    for _, envelope in found:
        channel = integrated if envelope.data["channel_id"] == integrated["id"] else retired
        assert envelope.source == "/hub/gateway"
        assert set(envelope.data) == {"channel_id", "agency_id", "region_code", "name", "status", "stated_at"}
        assert (envelope.data["agency_id"], envelope.data["region_code"], envelope.data["name"]) == (
            channel["agency_id"], channel["region_code"], channel["name"]
        )  # fmt: skip
        assert started <= datetime.fromisoformat(envelope.data["stated_at"]) <= datetime.now(UTC)
    # Nothing else was stated, and nothing waits in the outbox: the refusals wrote no event.
    assert len(await statements(infra, f"{topic_prefix}gateway.audit")) == 5
    outbox = "SELECT count(*) AS n FROM outbox WHERE type = $1"
    assert (await rows(mesh.databases["gateway"], outbox, STATED))[0]["n"] == 0


async def test_a_statement_commits_with_its_change_or_not_at_all_A12_1(
    database_factory: Callable[[str], Awaitable[str]],
) -> None:
    """The event is an outbox row of the change's own transaction: rolled back with it, committed with it. (A gateway
    database with no gateway running: no relay publishes the rows before they are read.)"""
    database = await database_factory("gateway")
    agency = AgencyRegistered(agency_id=uuid.uuid4(), credit_code=credit_code(), name="无锡市公安局",
                              kind="administrative_organ", region_code=CITY)  # fmt: skip
    actor = Principal(client_id="admin", kind="operator", roles=frozenset({"administrator"}), agency_id=None,
                      region_code=CITY)  # fmt: skip
    data = LegacyChannelIn(agency_id=agency.agency_id, counterpart="省厅", name="专线", region_code=CITY,
                           deadline=date.today() + timedelta(days=5))  # fmt: skip
    stated = "SELECT payload FROM outbox WHERE type = $1 ORDER BY id"
    engine = create_async_engine(async_url(database))
    try:
        sessions = async_sessionmaker(engine, expire_on_commit=False)
        async with sessions() as session, session.begin():
            await record_registered(session, agency)
        async with sessions() as session:
            await service.register_channel(session, actor, data)
            await session.rollback()
        assert await rows(database, stated, STATED) == []

        async with sessions() as session, session.begin():
            channel = await service.register_channel(session, actor, data)
        async with sessions() as session, session.begin():
            await service.change_channel(session, actor, channel.id, LegacyChannelChange(status="retired"))
    finally:
        await engine.dispose()
    payloads = [json.loads(row["payload"]) for row in await rows(database, stated, STATED)]
    assert [(p["channel_id"], p["status"], p["name"]) for p in payloads] == [
        (str(channel.id), "registered", "专线"), (str(channel.id), "retired", "专线")
    ]  # fmt: skip
