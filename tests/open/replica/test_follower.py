"""The changelog's follower on its own, fed by a raw producer as the centre's relay would feed it: upserts and
tombstones applied once and in order, resumed from its stored positions, one leader per database, and a replica away
longer than tombstones are kept rebuilt before it serves (A22.1, A24.1)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer, ConsumerRecord
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from harness import Infra, Keys, rows, settings_for
from hub.db import asyncpg_dsn, create_engine, create_sessionmaker
from hub.kafka import ensure_topics
from hub.settings import HubSettings
from open_svc.replica.service import LEADER_LOCK_KEY, ReplicaFollower, latest_states

TOPIC = "aggregation.open-records"
ENTRY = uuid.UUID("0b6c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d")

Message = tuple[str, dict[str, object] | None]  # record key, data or None (a tombstone)


def _record(offset: int, key: bytes | None, value: bytes | None) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(topic=TOPIC, partition=0, offset=offset, timestamp=1_767_225_600_000 + offset,
                          timestamp_type=0, key=key, value=value, checksum=None, serialized_key_size=0,
                          serialized_value_size=0, headers=())  # fmt: skip


def test_the_last_message_of_a_key_wins_and_what_cannot_be_read_is_not_served_A22_1() -> None:
    a, b, c = (f"{ENTRY}:{k}".encode() for k in ('["a"]', '["b"]', '["c"]'))
    states = latest_states([
        _record(0, a, b'{"n": 1}'), _record(1, b, b'{"n": 2}'), _record(2, a, None), _record(3, a, b'{"n": 3}'),
        _record(4, b, b'[1, 2]'), _record(5, c, b"{not json"), _record(6, b"no-entry-id", b'{"n": 4}'),
        _record(7, None, b'{"n": 5}'),
    ])  # fmt: skip

    assert {key: value for key, (value, _) in states.items()} == {
        (ENTRY, '["a"]'): b'{"n": 3}',
        (ENTRY, '["b"]'): None,  # a JSON array is not a record: removed, never served
        (ENTRY, '["c"]'): None,
    }
    assert states[(ENTRY, '["a"]')][1] == datetime(2026, 1, 1, tzinfo=UTC).replace(microsecond=3000)


@pytest.fixture
async def replica(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[tuple[HubSettings, async_sessionmaker[AsyncSession]]]:
    """An empty replica database of its own, and the changelog topic of this test."""
    settings = settings_for("open", infra, keys, await database_factory("open"), topic_prefix)
    await ensure_topics(settings, [TOPIC], config={"cleanup.policy": "compact"})
    engine = create_engine(settings)
    try:
        yield settings, create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _publish(settings: HubSettings, *messages: Message) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers)
    await producer.start()
    try:
        for key, data in messages:
            value = None if data is None else json.dumps(data).encode()
            await producer.send_and_wait(settings.topic(TOPIC), value, key=f"{ENTRY}:{key}".encode())
    finally:
        await producer.stop()


async def _held(settings: HubSettings) -> dict[str, object]:
    found = await rows(settings.database_url, "SELECT key, data::text FROM open_records WHERE entry_id = $1", ENTRY)
    return {r["key"]: json.loads(r["data"]) for r in found}


async def test_upserts_and_tombstones_are_applied_once_and_resumed_from_the_stored_positions_A24_1(
    replica: tuple[HubSettings, async_sessionmaker[AsyncSession]],
) -> None:
    settings, sessionmaker = replica
    await _publish(settings, ("a", {"n": 1}), ("b", {"n": 2}), ("a", {"n": 3}), ("b", None), ("c", {"n": 4}))

    assert await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)
    assert await _held(settings) == {"a": {"n": 3}, "c": {"n": 4}}

    # A record changed by hand is not overwritten by a replay: the next follower resumes where the first stopped.
    await rows(settings.database_url, "UPDATE open_records SET data = '{\"n\": 99}' WHERE key = 'a'")
    await _publish(settings, ("b", {"n": 5}))
    assert await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)
    assert await _held(settings) == {"a": {"n": 99}, "b": {"n": 5}, "c": {"n": 4}}


async def test_a_replica_away_longer_than_tombstones_are_kept_is_rebuilt_before_it_serves_A22_1(
    replica: tuple[HubSettings, async_sessionmaker[AsyncSession]],
) -> None:
    settings, sessionmaker = replica
    await _publish(settings, ("a", {"n": 1}), ("b", {"n": 2}))
    assert await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)
    # Away for 30 days, while the centre tombstoned a record whose tombstone compaction has since removed.
    await rows(settings.database_url, "UPDATE open_replica_positions SET caught_up_at = now() - interval '30 days'")
    await rows(settings.database_url, "INSERT INTO open_records VALUES ($1, 'gone', '{\"n\": 0}', now())", ENTRY)

    assert await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)

    assert await _held(settings) == {"a": {"n": 1}, "b": {"n": 2}}


async def test_a_second_follower_stands_by_while_another_holds_the_replica_A24_1(
    replica: tuple[HubSettings, async_sessionmaker[AsyncSession]],
) -> None:
    settings, sessionmaker = replica
    await _publish(settings, ("a", {"n": 1}))
    leader = await asyncpg.connect(asyncpg_dsn(settings.database_url))
    try:
        assert await leader.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY)
        assert not await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)
        assert await _held(settings) == {}
    finally:
        await leader.close()
    assert await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True)
    assert await _held(settings) == {"a": {"n": 1}}
