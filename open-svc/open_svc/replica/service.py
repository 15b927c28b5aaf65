"""The follower of the open-records changelog: keeps the replica equal to what the centre publishes (A22.1, A24.1).

The changelog is a compacted state topic, not a CloudEvents stream (hub.contracts.open_records), so it has a
follower of its own rather than hub.consumer's: it applies each message as an upsert (a JSON object) or a removal
(a tombstone, or a value that is not a JSON object: what cannot be read is not served), the last message of a key
in a batch winning. It keeps its position in each partition in the replica's own database, written in the
transaction that applies the messages before it: a message is applied exactly once, and neither Kafka's
consumer-group offsets nor a redelivery can replay an older content over a newer one.

One follower per database applies at a time (an advisory lock elects it among open-svc's replicas). A rebuild
(`python -m open_svc.replica rebuild`) empties the replica and resets every position to the partition's start;
the leading follower, woken by a notification, replays the topic from its start. A follower that finds the
replica last read to the end longer ago than the topic keeps its tombstones (hub.contracts.open_records) rebuilds
likewise before serving, since it could hold records whose tombstones it can no longer see.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.background import BackgroundWork
from hub.contracts.open_records import TOMBSTONE_RETENTION_MS, TOPIC, TOPIC_CONFIG, parse_key
from hub.db import asyncpg_dsn
from hub.kafka import ensure_topics
from hub.settings import HubSettings
from open_svc.quality import scores as quality_scores
from open_svc.replica import repository
from open_svc.replica.models import ReplicaPosition
from open_svc.replica.repository import FROM_START, Upsert

log = structlog.get_logger(__name__)

# Any fixed number: the lock is per database, and open-svc's database has no other session-level lock.
LEADER_LOCK_KEY = 0x0E9EC4
# Notified by a rebuild, on commit of its reset.
RESET_CHANNEL = "open_replica_reset"
# A replica read to the end longer ago than this rebuilds: a day's margin on the topic's tombstone retention.
RESUME_WITHIN = timedelta(milliseconds=TOMBSTONE_RETENTION_MS) - timedelta(days=1)
# Messages applied in one transaction at most.
MAX_RECORDS = 5000
# Metadata requests, 0.1 s apart, before a topic just created counts as missing.
METADATA_ATTEMPTS = 100
# How often partitions read to the end are marked so again.
MARK_EVERY_SECONDS = 30.0

Position = dict[int, int]  # partition → the next offset the replica applies


class _Moved(Exception):
    """A position is not where this follower left it: a rebuild reset it."""


def _stale(stored: dict[int, ReplicaPosition], now: datetime) -> bool:
    """Whether the replica was last read to the end too long ago to resume (see the module docstring)."""
    return any(
        p.next_offset != FROM_START and (p.caught_up_at is None or now - p.caught_up_at > RESUME_WITHIN)
        for p in stored.values()
    )


State = tuple[bytes | None, datetime]  # a record's content (None: remove it), and when the centre published it


def latest_states(records: list[ConsumerRecord[bytes, bytes]]) -> dict[tuple[uuid.UUID, str], State]:
    """Each key's last message among `records` (in offset order per partition). A message whose key is not of the
    topic's shape is left out; one whose value is not a JSON object removes its record."""
    states: dict[tuple[uuid.UUID, str], State] = {}
    for record in records:
        try:
            key = parse_key(record.key)
        except ValueError as error:
            log.error("open-records message with a foreign key skipped", offset=record.offset, error=str(error))
            continue
        value = record.value
        if value is not None and not _is_json_object(value):
            log.error("open-records message that is not a JSON object: its record is removed", offset=record.offset)
            value = None
        states[key] = (value, datetime.fromtimestamp(record.timestamp / 1000, UTC))
    return states


def _is_json_object(value: bytes) -> bool:
    try:
        return isinstance(orjson.loads(value), dict)
    except orjson.JSONDecodeError:
        return False


class ReplicaFollower(BackgroundWork):
    """Applies the changelog to the replica; start() in the lifespan, or `lead(until_caught_up=True)` once."""

    def __init__(self, settings: HubSettings, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(f"replica-follower-{settings.service_name}")
        self._settings = settings
        self._sessionmaker = sessionmaker
        self._reset = asyncio.Event()
        self.is_leader = False

    async def run(self) -> None:
        while not await self.lead():  # noqa: ASYNC110
            # Another replica applies the changelog; stand by in case it goes away.
            await asyncio.sleep(self._settings.outbox_fallback_poll_seconds)

    async def lead(self, *, until_caught_up: bool = False) -> bool:
        """Follow the changelog while holding the leader's lock (until every partition has been read to its end, if
        asked); False at once when another follower holds it."""
        conn = await asyncpg.connect(asyncpg_dsn(self._settings.database_url))
        try:
            if not await conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY):
                return False
            self.is_leader = True
            await conn.add_listener(RESET_CHANNEL, lambda *_: self._reset.set())
            await ensure_topics(self._settings, [TOPIC], config=TOPIC_CONFIG)
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._settings.kafka_bootstrap_servers,
                client_id=f"{self._settings.service_name}-replica",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                request_timeout_ms=max(self._settings.kafka_request_timeout_ms, 40_000),
            )
            await consumer.start()
            try:
                await self._follow(consumer, conn, until_caught_up)
            finally:
                with contextlib.suppress(Exception):
                    await consumer.stop()
            return True
        finally:
            self.is_leader = False
            with contextlib.suppress(Exception):
                await conn.close()

    async def _follow(self, consumer: AIOKafkaConsumer, conn: asyncpg.Connection, until_caught_up: bool) -> None:
        partitions = await self._partitions()
        consumer.assign(partitions)
        while True:
            self._reset.clear()
            expected = await self._seek(consumer, partitions)
            marked: set[int] = set()
            marked_at = time.monotonic()
            try:
                while not self._reset.is_set():
                    batches = await consumer.getmany(*partitions, timeout_ms=200, max_records=MAX_RECORDS)
                    if batches:
                        await self._apply(batches, expected)
                    at_end = await self._at_end(consumer, partitions)
                    if set(at_end) - marked or (at_end and time.monotonic() - marked_at > MARK_EVERY_SECONDS):
                        await self._mark_caught_up(at_end)
                        marked, marked_at = marked | set(at_end), time.monotonic()
                        # The lock's connection: a dead one would hold no lock and hear no reset.
                        await conn.fetchval("SELECT 1")
                    if until_caught_up and len(at_end) == len(partitions):
                        return
            except _Moved:
                log.info("replica positions were reset: replaying the changelog from its start")

    async def _partitions(self) -> list[TopicPartition]:
        """The topic's partitions, once the broker's metadata lists them (a topic just created may lag there)."""
        topic = self._settings.topic(TOPIC)
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=f"{self._settings.service_name}-replica-admin",
            request_timeout_ms=self._settings.kafka_request_timeout_ms,
        )
        await admin.start()
        try:
            for _ in range(METADATA_ATTEMPTS):
                (described,) = await admin.describe_topics([topic])
                if described["error_code"] == 0 and described["partitions"]:
                    return sorted(TopicPartition(topic, p["partition"]) for p in described["partitions"])
                await asyncio.sleep(0.1)
        finally:
            await admin.close()
        raise RuntimeError(f"{topic} has no partitions in the broker's metadata")

    async def _seek(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> Position:
        """Seek every partition to the replica's stored position (its start where none, or after a reset), having
        rebuilt first a replica too stale to resume; the positions, each stored."""
        async with self._sessionmaker() as session, session.begin():
            stored = await repository.positions(session)
            if _stale(stored, datetime.now(UTC)):
                log.warning("replica last read to the end too long ago to resume: rebuilding it from the start")
                await repository.reset(session)
                stored = await repository.positions(session)
            expected: Position = {}
            for tp in partitions:
                held = stored.get(tp.partition)
                if held is not None and held.next_offset != FROM_START:
                    consumer.seek(tp, held.next_offset)
                    expected[tp.partition] = held.next_offset
                    continue
                await consumer.seek_to_beginning(tp)
                start = await consumer.position(tp)
                # Nothing before the start exists: the replica holds the partition up to there.
                was = None if held is None else held.next_offset
                if not await repository.advance(session, tp.partition, was, start):
                    raise _Moved
                expected[tp.partition] = start
        return expected

    async def _apply(self, batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]], at: Position) -> None:
        """Apply a batch of messages, and move the positions past them, in one transaction."""
        states = latest_states([record for records in batches.values() for record in records])
        upserts = [
            Upsert(entry_id, key, value.decode(), published_at)
            for (entry_id, key), (value, published_at) in states.items()
            if value is not None
        ]
        removals = [key for key, (value, _) in states.items() if value is None]
        moved = {tp.partition: records[-1].offset + 1 for tp, records in batches.items() if records}
        async with self._sessionmaker() as session, session.begin():
            for partition, next_offset in moved.items():
                if not await repository.advance(session, partition, at[partition], next_offset):
                    raise _Moved
            await repository.remove(session, removals)
            await repository.upsert(session, upserts)
            # The records are a quality input (A25.1): the scores they change are published with them.
            await quality_scores.restate(session, {entry_id for entry_id, _ in states}, datetime.now(UTC))
        at.update(moved)

    async def _at_end(self, consumer: AIOKafkaConsumer, partitions: list[TopicPartition]) -> Position:
        """The partitions read to their end (as far as the last fetch knew it), with their positions."""
        at_end: Position = {}
        for tp in partitions:
            end = consumer.highwater(tp)
            position = await consumer.position(tp)
            if end is not None and position >= end:
                at_end[tp.partition] = position
        return at_end

    async def _mark_caught_up(self, at_end: Position) -> None:
        async with self._sessionmaker() as session, session.begin():
            await repository.mark_caught_up(session, at_end)


async def request_rebuild(session: AsyncSession) -> None:
    """Empty the replica and have the leading follower replay the changelog from its start (on commit)."""
    await repository.reset(session)
    await session.execute(text(f"NOTIFY {RESET_CHANNEL}"))


@contextlib.asynccontextmanager
async def replica_follower(app: FastAPI) -> AsyncIterator[None]:
    """The follower as a lifespan part of open-svc (ServiceSpec.extra_lifespans)."""
    follower = ReplicaFollower(app.state.settings, app.state.sessionmaker)
    app.state.replica_follower = follower
    follower.start()
    try:
        yield
    finally:
        await follower.stop()
