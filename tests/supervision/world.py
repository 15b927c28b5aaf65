"""A supervision world on the real PostgreSQL and Kafka: supervision-svc on a clock the test moves, behind the real
gateway, and the events of every producer published to the real Kafka as each producer's outbox relay publishes
them (CloudEvents in binary mode, keyed by the aggregate, on the producer's topic).

supervision-svc is served with its clock set before its lifespan starts, so its periodic keeping of closed periods
sees the test's time from its first run on. The gateway learns the agencies from the same catalog.events, so
officers bound to them sign in as in production.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer

from harness import (
    CITY,
    Infra,
    Keys,
    RunningService,
    bootstrap_admin,
    eventually,
    free_socket,
    fresh_database,
    register_client,
    rows,
    running_mesh,
    serve,
    settings_for,
    token,
)
from hub.events import Event, EventEnvelope
from hub.kafka import ensure_topics
from supervision_svc.app import create_app
from supervision_svc.settings import Settings

WUXI = ZoneInfo("Asia/Shanghai")
# The source each producer's relay names (its outbox rows' `source`).
SOURCES = {"catalog.events": "/hub/catalog", "share.events": "share-svc", "open.events": "/hub/open",
           "gateway.audit": "/hub/gateway"}  # fmt: skip


def local(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2026) -> datetime:
    """A moment of 2026 in Wuxi."""
    return datetime(year, month, day, hour, minute, tzinfo=WUXI)


@dataclass
class Clock:
    """supervision-svc's clock (app.state.clock), moved by the test."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    gateway: httpx.AsyncClient
    supervision: RunningService
    clock: Clock
    producer: AIOKafkaProducer
    topic_prefix: str
    database: str
    admin: dict[str, str]
    callers: dict[str, dict[str, str]] = field(default_factory=dict)

    async def publish(self, *events: Event) -> None:
        """Publish the events in order, as their producers would, and wait until supervision-svc applied them."""
        ids = []
        for event in events:
            envelope = EventEnvelope(
                id=str(uuid.uuid4()), type=event.type, source=SOURCES[event.topic], subject=event.aggregate_id(),
                time=datetime.now(WUXI), data=event.model_dump(mode="json"),
            )  # fmt: skip
            key, headers, value = envelope.to_kafka()
            await self.producer.send_and_wait(f"{self.topic_prefix}{event.topic}", value, key=key, headers=headers)
            ids.append(envelope.id)

        async def applied() -> bool:
            found = await rows(self.database, "SELECT count(*) FROM inbox WHERE event_id = ANY($1)", ids)
            return bool(found[0][0] == len(ids))

        await eventually(applied, within=30)

    async def caller(self, name: str, kind: str, roles: list[str], *, region: str = CITY,
                     agency_id: str | None = None) -> dict[str, str]:  # fmt: skip
        """A client of the gateway (an operator of a region, an agency's person or system), signed in."""
        self.callers[name] = await register_client(
            self.gateway, self.admin, kind, roles, region=region, agency_id=agency_id
        )
        return self.callers[name]

    async def get(self, path: str, caller: str, **params: Any) -> httpx.Response:
        """A request to supervision-svc through the gateway, as a caller."""
        return await self.gateway.get(f"/api/supervision{path}", params=params, headers=self.callers[caller])

    async def read(self, path: str, caller: str, **params: Any) -> dict[str, Any]:
        response = await self.get(path, caller, **params)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


TOPICS = sorted(SOURCES)


@asynccontextmanager
async def supervision_world(infra: Infra, keys: Keys, now: datetime) -> AsyncIterator[World]:
    """supervision-svc on `now` (its clock) behind the gateway, on fresh databases dropped afterwards."""
    prefix = f"t{uuid.uuid4().hex[:10]}."
    databases = {name: await fresh_database(infra, name) for name in ("supervision", "gateway")}
    clock = Clock(now)
    sock = free_socket()
    # Closed periods are looked for every 0.2 s and kept at once: the test moves the clock past a quarter's end.
    extra = {"supervision_snapshot_seconds": 0.2, "supervision_snapshot_delay_seconds": 0}
    app = create_app(
        cast(Settings, settings_for("supervision", infra, keys, databases["supervision"], prefix, **extra))
    )
    app.state.clock = clock
    supervision = await serve(app, sock, "supervision")
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    upstreams = {"HUB_UPSTREAM_URLS": {"supervision": supervision.url}}
    try:
        await ensure_topics(app.state.settings, TOPICS)
        async with running_mesh(
            ["gateway"], infra=infra, keys=keys, databases=databases, topic_prefix=prefix,
            settings_overrides=lambda name: dict(upstreams),
        ) as mesh, mesh.client("gateway") as gateway:  # fmt: skip
            login, password = await bootstrap_admin(databases["gateway"])
            admin = await token(gateway, login, password)
            yield World(gateway, supervision, clock, producer, prefix, databases["supervision"], admin)
    finally:
        await producer.stop()
        supervision.server.should_exit = True
        await supervision.task
        sock.close()
        for url in databases.values():
            await infra.drop_database(url)
