"""The centre writes the records of open entries, and only those, to the compacted open-records changelog after each
committed batch, read here with a raw Kafka client (A22.1, A24.1, A38.1, A16.1)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import pytest
from aggregation.centre import World, ndjson, person, record_consent
from aggregation.changelog.topic import (
    CONDITIONALLY_OPEN,
    NOT_OPEN,
    OPEN,
    TOPIC,
    last_messages,
    publish_version,
    topic_messages,
)
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from aggregation_svc.changelog.relay import OpenRecordsRelay
from factories import entry_published
from harness import eventually
from hub.events import EventEnvelope

pytestmark = pytest.mark.integration


async def _settled(world: World, entry_id: str, expected: dict[str, object]) -> dict[str, object]:
    """Wait until the entry's last message per key is `expected` (record key → data, or None)."""

    async def check() -> dict[str, object] | None:
        found = {key: value for (_, key), value in (await last_messages(world, entry_id)).items()}
        return found if found == expected else None

    settled: dict[str, object] = await eventually(check, within=20)
    return settled


def _key(n: int) -> str:
    """The centre's key of person n: its key item's value, as a JSON array."""
    return json.dumps([person(n)["id_number"]])


async def test_records_of_an_open_entry_reach_the_compacted_changelog_keyed_by_entry_and_record_A22_1_A24_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    pushed = await world.push(entry_id, "b1", ndjson(person(n) for n in range(3)), world.police.system)
    assert pushed.json()["stored"] == 3

    await _settled(world, entry_id, {_key(n): person(n) for n in range(3)})

    admin = AIOKafkaAdminClient(bootstrap_servers=world.kafka)
    await admin.start()
    try:
        resource = ConfigResource(ConfigResourceType.TOPIC, f"{world.topic_prefix}{TOPIC}")
        [described] = await admin.describe_configs([resource])
    finally:
        await admin.close()
    configs = {entry[0]: entry[1] for entry in described.resources[0][4]}
    assert configs["cleanup.policy"] == "compact"


async def test_a_conditionally_open_entry_is_published_and_a_merge_publishes_the_merged_record_A22_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police, **CONDITIONALLY_OPEN)
    await world.push(entry_id, "b1", ndjson([person(1, age=30)]), world.police.system)
    merged = await world.push(entry_id, "b2", ndjson([{"id_number": person(1)["id_number"], "age": 31}]),
                              world.police.system, mode="merge")  # fmt: skip
    assert merged.json()["updated"] == 1

    await _settled(world, entry_id, {_key(1): person(1, age=31)})


async def test_records_of_not_open_and_secret_entries_never_reach_the_changelog_A22_1_A38_1(world: World) -> None:
    closed = await world.publish(world.police, **NOT_OPEN)
    secret = await world.publish(world.police, **NOT_OPEN, secrecy="secret", share_type="not_shared",
                                 share_legal_basis="《中华人民共和国保守国家秘密法》")  # fmt: skip
    # A secret entry announced as open (as a faulty catalogue might): the centre's own rule still withholds it.
    forged = await _announce(world, secrecy="secret", open_type="unconditional", provider_agency_id=world.police.id)
    marker = await world.publish(world.police, **OPEN)
    for entry_id in (closed, secret, forged):
        response = await world.push(entry_id, "b1", ndjson(person(n) for n in range(5)), world.police.system)
        assert response.json()["stored"] == 5, response.text
    # After the others, and published by the same relay: once it is on the topic, theirs would be too.
    await world.push(marker, "b1", ndjson([person(1)]), world.police.system)
    await _settled(world, marker, {_key(1): person(1)})
    await eventually(lambda: _no_pending(world))

    on_topic = {entry for entry, _, _ in await topic_messages(world)}
    assert marker in on_topic
    assert on_topic.isdisjoint({closed, secret, forged})


async def test_an_entry_that_stops_being_open_has_every_record_tombstoned_A22_1(world: World) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    await world.push(entry_id, "b1", ndjson(person(n) for n in range(4)), world.police.system)
    await _settled(world, entry_id, {_key(n): person(n) for n in range(4)})

    await publish_version(world, entry_id, world.police, 2, **NOT_OPEN)

    await _settled(world, entry_id, {_key(n): None for n in range(4)})
    # Opened again: what it holds is published again, a batch pushed while it was closed included.
    await world.push(entry_id, "b2", ndjson([person(9)]), world.police.system)
    await publish_version(world, entry_id, world.police, 3, **OPEN)
    await _settled(world, entry_id, {_key(n): person(n) for n in (0, 1, 2, 3, 9)})


async def test_a_retired_entry_has_every_record_tombstoned_A22_1(world: World) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    await world.push(entry_id, "b1", ndjson(person(n) for n in range(2)), world.police.system)
    await _settled(world, entry_id, {_key(n): person(n) for n in range(2)})

    retired = await world.gateway.post(f"/api/catalog/entries/{entry_id}/retire", headers=world.police.system)
    assert retired.status_code == 200, retired.text

    await _settled(world, entry_id, {_key(n): None for n in range(2)})


async def test_a_record_that_comes_to_rest_on_a_consent_is_tombstoned_and_one_always_on_consent_never_shows_A16_1(
    world: World,
) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    consent_id = await record_consent(world, entry_id)
    await world.push(entry_id, "b1", ndjson([person(1), person(2), person(3, _consent_id=consent_id)]),
                     world.police.system)  # fmt: skip
    await _settled(world, entry_id, {_key(1): person(1), _key(2): person(2)})

    # The whole record again (mode=replace), now resting on the subject's consent, given for collection only.
    replaced = await world.push(entry_id, "b2", ndjson([person(1, _consent_id=consent_id)]), world.police.system)
    assert replaced.json()["updated"] == 1, replaced.text

    await _settled(world, entry_id, {_key(1): None, _key(2): person(2)})
    # Closed: a tombstone for each record it had published, and still nothing of person 3, not even its key.
    await publish_version(world, entry_id, world.police, 2, **NOT_OPEN)
    await _settled(world, entry_id, {_key(1): None, _key(2): None})


async def test_a_batch_that_does_not_commit_publishes_nothing_A17_1(world: World) -> None:
    entry_id = await world.publish(world.police, **OPEN)
    # 6,000 valid rows (a first chunk written, its keys noted), then one that refuses the whole batch.
    rows = [person(n) for n in range(6000)] + [person(6000, salary=1)]
    refused = await world.push(entry_id, "b1", ndjson(rows), world.police.system)
    assert refused.status_code == 422, refused.text
    marker = await world.publish(world.police, **OPEN)
    await world.push(marker, "b1", ndjson([person(1)]), world.police.system)
    await _settled(world, marker, {_key(1): person(1)})
    await eventually(lambda: _no_pending(world))

    assert entry_id not in {entry for entry, _, _ in await topic_messages(world)}
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=uuid.UUID(entry_id)) == [(0,)]


async def test_a_second_centre_replica_stands_by_while_the_first_relays_A22_1(world: World) -> None:
    app = world.mesh.services["aggregation"].app
    leading: OpenRecordsRelay = app.state.open_records_relay
    await eventually(lambda: leading.is_leader)
    second = OpenRecordsRelay(app.state.settings, app.state.sessionmaker)
    second.start()
    try:
        entry_id = await world.publish(world.police, **OPEN)
        await world.push(entry_id, "b1", ndjson([person(1)]), world.police.system)
        await _settled(world, entry_id, {_key(1): person(1)})
        assert (leading.is_leader, second.is_leader) == (True, False)
        # Published once: the one leader's one message.
        mine = [value for entry, _, value in await topic_messages(world) if entry == entry_id]
        assert len(mine) == 1
    finally:
        await second.stop()


async def _no_pending(world: World) -> bool:
    return await world.rows("SELECT count(*) FROM open_changelog") == [(0,)]


async def _announce(world: World, **overrides: object) -> str:
    """Put a published version of a new entry on catalog.events as catalog-svc's relay would; its id, once the centre
    knows it."""
    event = entry_published(
        items=[{"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18,
                "required": True, "key": True},
               {"name": "full_name", "label": "姓名", "data_type": "string", "length": 10, "required": True},
               {"name": "age", "label": "年龄", "data_type": "integer", "length": 3}],
        **overrides,
    )  # fmt: skip
    envelope = EventEnvelope(id=str(uuid.uuid4()), type=event.type, source="/hub/catalog", subject=event.aggregate_id(),
                             time=datetime.now(UTC), data=event.model_dump(mode="json"))  # fmt: skip
    key, headers, value = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=world.kafka)
    await producer.start()
    try:
        await producer.send_and_wait(f"{world.topic_prefix}catalog.events", value, key=key, headers=headers)
    finally:
        await producer.stop()
    entry_id = str(event.entry_id)
    await world.known(entry_id, world.police)
    return entry_id
