"""open-svc keeps the published catalogue from catalog.events on the real broker and database: the newest version
of each entry, its retirement, and the agencies under their current names (A14.1, A2.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiokafka import AIOKafkaProducer

from factories import agency_registered, entry_published
from harness import Infra, LocalMesh, MeshStarter, eventually, records_of, rows
from hub.contracts.catalog import AgencyChanged, EntryRetired
from hub.contracts.vocabulary import OpenType
from hub.events import Event, EventEnvelope

pytestmark = pytest.mark.integration


@pytest.fixture
async def open_svc(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    """open-svc alone, once its consumer has subscribed (and so created catalog.events)."""
    async with start_mesh(["open"]) as mesh:
        await eventually(lambda: mesh.services["open"].app.state.consumer.is_running)
        yield mesh


async def deliver(infra: Infra, topic_prefix: str, *events: Event) -> list[str]:
    """Produce the events on catalog.events as catalog-svc's relay does (each a new CloudEvent id); their ids."""
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka_bootstrap)
    await producer.start()
    ids = []
    try:
        for event in events:
            envelope = EventEnvelope(id=str(uuid.uuid4()), type=event.type, source="/hub/catalog",
                                     subject=event.aggregate_id(), time=datetime.now(UTC),
                                     data=event.model_dump(mode="json"))  # fmt: skip
            key, headers, value = envelope.to_kafka()
            await producer.send_and_wait(f"{topic_prefix}catalog.events", value, key=key, headers=headers)
            ids.append(envelope.id)
    finally:
        await producer.stop()
    return ids


async def test_open_svc_holds_the_newest_version_ignores_an_older_one_redelivered_and_follows_retirement_A14_1(
    open_svc: LocalMesh, infra: Infra, topic_prefix: str
) -> None:
    first = entry_published(open_type="unconditional")
    second = first.model_copy(update={"version": 2, "name": "常住人口信息", "open_type": OpenType.conditional,
                                      "open_conditions": "签订开放利用协议"})  # fmt: skip
    retirement = EntryRetired(**first.model_dump(include={"entry_id", "code", "region_code", "provider_agency_id"}),
                              version=2)  # fmt: skip
    database = open_svc.databases["open"]
    query = "SELECT version, name, open_type, open_conditions, retired_at FROM published_entries WHERE entry_id = $1"

    await deliver(infra, topic_prefix, first, second)
    [held] = await eventually(lambda: _at_version(database, query, first.entry_id, 2))
    assert (held["name"], held["open_type"]) == ("常住人口信息", "conditional")
    assert held["open_conditions"] == "签订开放利用协议"

    # The older version again, as a replay would bring it, then the retirement behind it on the entry's partition.
    stale_id, retired_id = await deliver(infra, topic_prefix, first, retirement)
    [held] = await eventually(lambda: _retired(database, query, first.entry_id))

    assert (held["version"], held["name"]) == (2, "常住人口信息")
    applied = {r["event_id"] for r in await rows(database, "SELECT event_id FROM inbox")}
    assert {stale_id, retired_id} <= applied
    assert await records_of(infra.kafka_bootstrap, f"{topic_prefix}catalog.events.dlq") == []


async def test_open_svc_knows_an_agency_under_the_name_it_was_changed_to_A2_1(
    open_svc: LocalMesh, infra: Infra, topic_prefix: str
) -> None:
    registered = agency_registered(name="无锡市水利局")
    renamed = AgencyChanged(agency_id=registered.agency_id, name="无锡市水利局（新）", region_code="320205",
                            duties_changed=False)  # fmt: skip
    database = open_svc.databases["open"]
    query = "SELECT name, region_code, kind FROM known_agencies WHERE id = $1 AND changed_at IS NOT NULL"

    await deliver(infra, topic_prefix, registered, renamed)
    [agency] = await eventually(lambda: rows(database, query, registered.agency_id))

    assert dict(agency) == {"name": "无锡市水利局（新）", "region_code": "320205", "kind": "administrative_organ"}


async def _at_version(database: str, query: str, entry_id: uuid.UUID, version: int) -> list[object]:
    found = await rows(database, query, entry_id)
    return found if found and found[0]["version"] == version else []


async def _retired(database: str, query: str, entry_id: uuid.UUID) -> list[object]:
    found = await rows(database, query, entry_id)
    return found if found and found[0]["retired_at"] is not None else []
