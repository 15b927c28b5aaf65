"""The outbox relay when the broker refuses part of a batch (issue 15: a broker restart republished whole batches and
left failed sends unawaited): what the broker acknowledged leaves the outbox and is never published again, and no
send's failure goes unretrieved. An event refused for good (A29.1) does not hold up the others: it is set aside in
outbox_dead_letters, and requeued once its cause is fixed.

The refusals are real: the topic takes records of at most MAX_BYTES (the broker refuses a larger one, and the whole
producer batch it travels in), and the producer itself refuses one over its maximum request size. Killing the
shared test broker is not an option (other tests use it); the broker-restart drill covers the rest.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any

import pytest
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry.sdk.trace import TracerProvider
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

import hub.outbox
from factories import credit_code
from harness import Infra, Keys, eventually, records_of, settings_for
from hub.contracts.catalog import AgencyRegistered
from hub.db import create_engine
from hub.kafka import admin_client, ensure_topics, event_ids_since
from hub.mesh import load_mesh
from hub.outbox import OutboxRelay, pending_count, record_event
from hub.outbox_requeue import requeue
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


async def test_events_refused_for_good_are_set_aside_without_holding_up_the_rest_and_requeued_once_fixed_A29_1(
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
        # In id order: one the producer refuses (over its 1 MiB request size), one the broker refuses (over the
        # topic's MAX_BYTES); two that fit alone but not together, so the broker refuses the producer batch they
        # share; then one on each other partition.
        events = [
            registered_on(0, "局" * 400_000),
            registered_on(0, "局" * MAX_BYTES),
            registered_on(0, "局" * 400),
            registered_on(0, "市" * 400),
            registered_on(1, "无锡市公安局"),
            registered_on(2, "无锡市民政局"),
        ]
        async with AsyncSession(engine) as session, session.begin():
            ids = [await record_event(session, event, source="/hub/catalog") for event in events]
        too_large_to_send, too_large_for_topic, fitting = ids[0], ids[1], ids[2:]
        dead_lettered_before = await _dead_lettered(catalog)
        relay.start()

        await eventually(lambda: _equal(lambda: _dead_letter_ids(engine), {too_large_to_send, too_large_for_topic}))
        assert sorted(await _published_ids(infra, catalog)) == sorted(map(str, fitting))
        async with AsyncSession(engine) as session:
            assert await pending_count(session) == 0
        errors = await rows_of(engine, "SELECT error FROM outbox_dead_letters")
        assert all("MessageSizeTooLargeError" in error for (error,) in errors), errors
        assert await _dead_lettered(catalog) == dead_lettered_before + 2
        gc.collect()
        assert [c for c in unhandled if NEVER_RETRIEVED in str(c.get("message"))] == []
        # Only the takeover looked back over the topic: a record refused for good was not written.
        assert len(looked_back_from) == 1

        # The operator raises the topic's limit and requeues the event it refused: it is published.
        async with admin_client(catalog, "test") as admin:
            raised = {"max.message.bytes": "1000000"}
            await admin.alter_configs(
                [ConfigResource(ConfigResourceType.TOPIC, catalog.topic("catalog.events"), raised)]
            )
        assert await requeue(catalog.database_url, [too_large_for_topic]) == 1
        await eventually(lambda: _equal(lambda: _published_count(infra, catalog), len(fitting) + 1))
        assert sorted(await _published_ids(infra, catalog)) == sorted(map(str, [too_large_for_topic, *fitting]))
        # Requeuing every dead letter from the command line: the one the producer still cannot send is set aside again.
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "hub.outbox_requeue", "--database-url", catalog.database_url,
            stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        output, _ = await command.communicate()
        assert (command.returncode, output.decode()) == (0, "1 events put back in the outbox\n")
        await eventually(lambda: _equal(lambda: _dead_lettered(catalog), dead_lettered_before + 3))
        assert await _dead_letter_ids(engine) == {too_large_to_send}
        assert await _published_count(infra, catalog) == len(fitting) + 1
    finally:
        await relay.stop()
        await engine.dispose()
        loop.set_exception_handler(None)


async def _published_ids(infra: Infra, settings: HubSettings) -> list[str]:
    records = await records_of(infra.kafka_bootstrap, settings.topic("catalog.events"))
    return [dict(r.headers)["ce_id"].decode() for r in records]


async def _published_count(infra: Infra, settings: HubSettings) -> int:
    return len(await _published_ids(infra, settings))


async def _dead_letter_ids(engine: AsyncEngine) -> set[uuid.UUID]:
    return {event_id for (event_id,) in await rows_of(engine, "SELECT event_id FROM outbox_dead_letters")}


async def rows_of(engine: AsyncEngine, query: str) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(text(query))).all())


async def _dead_lettered(settings: HubSettings) -> float:
    found = REGISTRY.get_sample_value(
        "hub_outbox_dead_lettered_total", {"service": settings.service_name, "topic": "catalog.events"}
    )
    return found or 0.0


async def _equal(read: Callable[[], Awaitable[object]], expected: object) -> bool:
    return await read() == expected
