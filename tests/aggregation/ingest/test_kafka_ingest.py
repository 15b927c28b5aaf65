"""Ingest jobs' batches over Kafka (aggregation.ingest): the same validation and idempotency as the bulk API, and
a refused batch recorded with its reason (A15.1, A15.2, A17.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from aggregation.centre import World, person
from aiokafka import AIOKafkaProducer

from harness import eventually, records_of
from hub.contracts.aggregation import BatchSubmitted
from hub.events import EventEnvelope
from hub.kafka import ensure_topics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def producer(world: World) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(world.mesh.services["aggregation"].app.state.settings, [BatchSubmitted.topic])
    producer = AIOKafkaProducer(bootstrap_servers=world.kafka)
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def submit(
    world: World, producer: AIOKafkaProducer, entry_id: str, batch_id: str, records: list[dict[str, Any]],
    agency_id: str | None = None, job: str = "nightly-population-sync",
) -> str:  # fmt: skip
    """Publish a batch as an ingest job would: one CloudEvent on the ingest topic."""
    event = BatchSubmitted(
        batch_id=batch_id, entry_id=uuid.UUID(entry_id), agency_id=uuid.UUID(agency_id or world.police.id),
        job=job, records=records,
    )  # fmt: skip
    envelope = EventEnvelope(
        id=str(uuid.uuid4()), type=event.type, source="/ingest-jobs/nightly-population-sync",
        subject=event.aggregate_id(), time=datetime.now(UTC), data=event.model_dump(mode="json"),
    )  # fmt: skip
    key, headers, value = envelope.to_kafka()
    await producer.send_and_wait(f"{world.topic_prefix}{event.topic}", value, key=key, headers=headers)
    return envelope.id


async def processed(world: World, event_id: str) -> None:
    """Wait until the centre has applied (or skipped) a message: its id is in the inbox."""
    await eventually(lambda: world.rows("SELECT 1 FROM inbox WHERE event_id = :id", id=event_id))


async def test_a_batch_from_the_ingest_topic_is_validated_stored_and_reported_once_A17_1(
    world: World, producer: AIOKafkaProducer
) -> None:
    entry_id = await world.publish(world.police)
    records = [person(1), person(2, age="old"), person(3)]
    await submit(world, producer, entry_id, "kafka-1", records)

    async def reported() -> dict[str, Any] | None:
        response = await world.report(entry_id, "kafka-1", world.police.job)
        return response.json() if response.status_code == 200 else None

    report = await eventually(reported)
    assert (report["channel"], report["status"], report["stored"], report["quarantined"]) == ("kafka", "ingested", 2, 1)
    assert report["submitted_by"] == "ingest-job:nightly-population-sync"
    assert report["quarantine"][0]["problems"][0]["field"] == "age"
    # The job resends the batch (a new message, the same batch id): no second effect.
    resent = await submit(world, producer, entry_id, "kafka-1", records)
    await processed(world, resent)
    history = await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=uuid.UUID(entry_id))
    assert history == [(2,)]
    assert len(await world.all_records(entry_id, world.police.system)) == 2


async def test_a_batch_from_the_ingest_topic_for_another_agencys_entry_is_refused_and_recorded_A15_2(
    world: World, producer: AIOKafkaProducer
) -> None:
    entry_id = await world.publish(world.police)
    await processed(world, await submit(world, producer, entry_id, "kafka-2", [person(1)], agency_id=world.water.id))
    report = (await world.report(entry_id, "kafka-2", world.reviewer)).json()
    assert (report["status"], report["stored"], report["refusal"]["requirement"]) == ("refused", 0, "A15.2")
    assert await world.all_records(entry_id, world.police.system) == []
    records = await records_of(world.kafka, f"{world.topic_prefix}aggregation.events")
    refused = [EventEnvelope.from_kafka(r.headers, r.value) for r in records]
    assert any(e.type == "aggregation.batch.refused" and e.data["batch_id"] == "kafka-2" for e in refused)
    # Refused, it had no effect: the responsible agency's job may submit the batch under the same id.
    await processed(world, await submit(world, producer, entry_id, "kafka-2", [person(1)]))
    report = (await world.report(entry_id, "kafka-2", world.police.job)).json()
    assert (report["status"], report["stored"], report["refusal"]) == ("ingested", 1, None)


async def test_a_batch_from_the_ingest_topic_with_an_undeclared_item_or_for_an_unpublished_entry_is_refused_A15_1(
    world: World, producer: AIOKafkaProducer
) -> None:
    entry_id = await world.publish(world.police)
    await processed(world, await submit(world, producer, entry_id, "kafka-3", [person(1), {**person(2), "pet": "猫"}]))
    report = (await world.report(entry_id, "kafka-3", world.police.job)).json()
    assert (report["status"], report["refusal"]["requirement"], report["refusal"]["errors"][0]["field"]) == (
        "refused", "A15.1", "pet",
    )  # fmt: skip
    assert await world.all_records(entry_id, world.police.system) == []
    unknown = str(uuid.uuid4())
    await processed(world, await submit(world, producer, unknown, "kafka-4", [person(1)]))
    rows = await world.rows("SELECT status FROM batches WHERE entry_id = :e", e=uuid.UUID(unknown))
    assert rows == [("refused",)]


async def test_a_batch_from_the_ingest_topic_naming_a_field_with_nul_is_recorded_as_refused_not_dead_lettered_A15_1(
    world: World, producer: AIOKafkaProducer
) -> None:
    # The refusal is stored (JSONB holds no NUL) and the job's name in the batch's submitter (200 characters).
    entry_id = await world.publish(world.police)
    job = "j\x00" + "o" * 198
    await processed(world, await submit(world, producer, entry_id, "kafka-nul", [{**person(1), "a\x00b": 1}], job=job))
    report = (await world.report(entry_id, "kafka-nul", world.police.job)).json()
    assert (report["status"], report["refusal"]["errors"][0]["field"]) == ("refused", "a\\u0000b")
    assert report["submitted_by"] == ("ingest-job:j" + "o" * 198)[:200]
    await processed(world, await submit(world, producer, entry_id, "kafka-nul-value", [person(1, full_name="\x00")]))
    stored = (await world.report(entry_id, "kafka-nul-value", world.police.job)).json()
    assert (stored["status"], stored["quarantined"]) == ("ingested", 1)
