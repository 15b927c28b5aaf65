"""The outbox relay when the broker refuses part of a batch (issue 15: a broker restart republished whole batches and
left failed sends unawaited): what the broker acknowledged leaves the outbox and is never published again, what
it refused waits, and no send's failure goes unretrieved.

The refusal is the broker's own: the topic takes records of at most MAX_BYTES, and two events are larger. Killing
the shared test broker is not an option (other tests use it); the broker-restart drill covers the rest.
"""

from __future__ import annotations

import asyncio
import gc
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession

import hub.outbox
from factories import credit_code
from harness import Infra, Keys, eventually, records_of, settings_for
from hub.contracts.catalog import AgencyRegistered
from hub.db import create_engine
from hub.kafka import ensure_topics, event_ids_since
from hub.mesh import load_mesh
from hub.outbox import OutboxRelay, pending_count, record_event
from hub.settings import HubSettings

pytestmark = pytest.mark.integration

MAX_BYTES = 4000
NEVER_RETRIEVED = "Future exception was never retrieved"


def registered_on(partition: int, name: str) -> AgencyRegistered:
    """An agency event whose key Kafka's default partitioner puts on `partition` of catalog.events."""
    partitions = list(range(load_mesh().topics["catalog.events"].partitions))
    while True:
        agency_id = uuid.uuid4()
        if DefaultPartitioner()(str(agency_id).encode(), partitions, partitions) == partition:
            return AgencyRegistered(
                agency_id=agency_id, credit_code=credit_code(), name=name, kind="administrative_organ",
                region_code="320200",
            )  # fmt: skip


@pytest.fixture
async def catalog(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> HubSettings:
    settings = settings_for("catalog", infra, keys, await database_factory("catalog"), topic_prefix)
    await ensure_topics(settings, ["catalog.events"], config={"max.message.bytes": str(MAX_BYTES)})
    return settings


async def test_a_partly_refused_batch_republishes_nothing_acknowledged_and_leaves_no_failure_unretrieved(
    catalog: HubSettings, infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_back_from: list[datetime] = []

    async def looking_back(settings: HubSettings, topics: Iterable[str], since: datetime) -> set[str]:
        looked_back_from.append(since)
        return await event_ids_since(settings, topics, since)

    monkeypatch.setattr(hub.outbox, "event_ids_since", looking_back)
    loop = asyncio.get_running_loop()
    unhandled: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _, context: unhandled.append(context))
    engine = create_engine(catalog)
    relay = OutboxRelay(catalog, engine, TracerProvider())
    try:
        # Refused: on partition 0, each larger than the topic takes. Acknowledged: one on each other partition.
        too_big = [registered_on(0, "局" * MAX_BYTES) for _ in range(2)]
        fitting = [registered_on(1, "无锡市公安局"), registered_on(2, "无锡市民政局")]
        async with AsyncSession(engine) as session, session.begin():
            ids = [record_event(session, event, source="/hub/catalog") for event in [*too_big, *fitting]]
        relay.start()

        async def pending() -> int:
            async with AsyncSession(engine) as session:
                return await pending_count(session)

        await eventually(lambda: _published_ids(infra, catalog))
        await eventually(lambda: _equal(pending, 2))
        # The relay retries what was refused every second; each retry would republish the batch if it kept it.
        failures_before = _publish_failures(catalog)
        await eventually(lambda: _publish_failures(catalog) >= failures_before + 2, within=10)
        gc.collect()

        assert sorted(await _published_ids(infra, catalog)) == sorted(str(i) for i in ids[2:])
        assert await pending() == 2
        assert [c for c in unhandled if NEVER_RETRIEVED in str(c.get("message"))] == []
        # Only the takeover looked back over the topic: a record the broker refused for good was not written, so
        # its retries (one a second, for as long as the row stays) read nothing back.
        assert len(looked_back_from) == 1
    finally:
        await relay.stop()
        await engine.dispose()
        loop.set_exception_handler(None)


async def _published_ids(infra: Infra, settings: HubSettings) -> list[str]:
    records = await records_of(infra.kafka_bootstrap, settings.topic("catalog.events"))
    return [dict(r.headers)["ce_id"].decode() for r in records]


def _publish_failures(settings: HubSettings) -> float:
    found = REGISTRY.get_sample_value("hub_outbox_publish_failures_total", {"service": settings.service_name})
    return found or 0.0


async def _equal(read: Callable[[], Awaitable[int]], expected: int) -> bool:
    return await read() == expected
