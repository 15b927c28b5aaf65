"""The load a drill puts on its hub and what it reads back: a stream of ingest events on Kafka, a prober calling the
gateway throughout, a scan of a topic's event ids, and queries on a service's database."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError

from hub.contracts.aggregation import BatchSubmitted
from hub.db import asyncpg_dsn
from hub.events import EventEnvelope
from tools.drills.world import World, bearer, record

STREAM_JOB = "drill-stream"


async def query(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def wall() -> datetime:
    return datetime.now(UTC)


@dataclass
class Prober:
    """Calls one gateway route again and again from a thread, noting when each call failed (5xx or no answer)."""

    gateway_url: str
    path: str
    token_form: dict[str, str]
    failures: list[float] = field(default_factory=list)
    calls: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> Prober:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(30)

    def _run(self) -> None:
        with httpx.Client(base_url=self.gateway_url, timeout=10.0) as client:
            headers = bearer(client, self.token_form)
            while not self._stop.is_set():
                self.calls += 1
                try:
                    failed = client.get(self.path, headers=headers).status_code >= 500
                except httpx.HTTPError:
                    failed = True
                if failed:
                    self.failures.append(time.monotonic())
                self._stop.wait(0.05)

    def split(self, kill: float, settled: float) -> tuple[int, int, float]:
        """Failures from the kill until `settled`, after it, and the seconds from the kill to the last failure."""
        during = sum(1 for t in self.failures if kill <= t <= settled)
        after = sum(1 for t in self.failures if t > settled)
        last = max((t - kill for t in self.failures if t >= kill), default=0.0)
        return during, after, last


def stream_event(world: World, n: int) -> tuple[bytes, list[tuple[str, bytes]], bytes]:
    """Event n of the stream: an ingest job's batch of one record (batch id drill-n), as aggregation.ingest carries
    it. The key is the batch id, so the stream spreads over the topic's partitions and both replicas consume it."""
    event = BatchSubmitted(batch_id=f"drill-{n}", entry_id=uuid.UUID(world.entry_id),
                           agency_id=uuid.UUID(world.agency_id), job=STREAM_JOB, records=[record(n)])  # fmt: skip
    envelope = EventEnvelope(id=str(uuid.uuid4()), type=event.type, source=f"/ingest-jobs/{STREAM_JOB}",
                             subject=event.aggregate_id(), time=wall(), data=event.model_dump(mode="json"))  # fmt: skip
    _, headers, value = envelope.to_kafka()
    return event.batch_id.encode(), headers, value


@dataclass
class Stream:
    """Publishes events first … last-1 of the stream, `rate` a second (0: as fast as the broker takes them),
    resending an event until the broker has it (a resent event may land twice: the inbox absorbs that). Gives up
    when the broker has taken nothing for `stalled` seconds, or when stopped: a drill must fail, never hang."""

    kafka: str
    topic: str
    world: World
    stalled: float = 120.0
    partitions: dict[int, int] = field(default_factory=dict)  # event n -> partition
    published: int = 0
    resends: int = 0
    gave_up: bool = False
    _stop: threading.Event = field(default_factory=threading.Event)
    _progress: float = 0.0

    def stop(self) -> None:
        """Makes `publish` return at its next retry or event."""
        self._stop.set()

    async def publish(self, first: int, last: int, rate: float = 0.0) -> None:
        self._progress = time.monotonic()
        producer = await self._producer()
        if producer is None:
            return
        started = time.monotonic()
        try:
            for n in range(first, last):
                if rate:
                    await asyncio.sleep(max(0.0, started + (n - first) / rate - time.monotonic()))
                key, headers, value = stream_event(self.world, n)
                while True:
                    if self._giving_up():
                        return
                    try:
                        metadata = await producer.send_and_wait(self.topic, value, key=key, headers=headers)
                        break
                    except KafkaError:
                        self.resends += 1
                        await asyncio.sleep(0.2)
                self._progress = time.monotonic()
                self.partitions[n] = metadata.partition
                self.published += 1
        finally:
            await producer.stop()

    def _giving_up(self) -> bool:
        if self._stop.is_set():
            return True
        self.gave_up = time.monotonic() - self._progress > self.stalled
        return self.gave_up

    async def _producer(self) -> AIOKafkaProducer | None:
        while not self._giving_up():
            producer = AIOKafkaProducer(bootstrap_servers=self.kafka, acks="all", request_timeout_ms=5000,
                                        retry_backoff_ms=200)  # fmt: skip
            try:
                await producer.start()
                return producer
            except KafkaError:
                await producer.stop()
                await asyncio.sleep(0.5)
        return None


@contextmanager
def publishing(stream: Stream, events: int, rate: float = 0.0) -> Iterator[threading.Thread]:
    """Publishes events 0 … events-1 of `stream` from a thread of its own; join the thread for the whole stream.
    Leaving the block early (a drill's error) stops it: no publisher outlives its drill and keeps pytest from
    exiting (a non-daemon one retrying a stopped broker once held CI until its time ran out)."""
    thread = threading.Thread(target=lambda: asyncio.run(stream.publish(0, events, rate)), daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        stream.stop()
        thread.join(30)


async def applied_batches(centre_url: str, entry_id: str) -> dict[int, datetime]:
    """The stream's events the data centre applied, by n, with when (the database's own record, not a counter)."""
    rows = await query(centre_url, "SELECT batch_id, finished_at FROM batches WHERE entry_id = $1 AND batch_id "
                       "LIKE 'drill-%' AND status = 'ingested'", uuid.UUID(entry_id))  # fmt: skip
    return {int(r["batch_id"].removeprefix("drill-")): r["finished_at"] for r in rows}


async def effects(centre_url: str, entry_id: str) -> tuple[int, int]:
    """The entry's records, and the changes recorded for them (one insert each, or a batch had a second effect),
    read in one snapshot."""
    rows = await query(centre_url, "SELECT (SELECT count(*) FROM records WHERE entry_id = $1), "
                       "(SELECT count(*) FROM record_history WHERE entry_id = $1)", uuid.UUID(entry_id))  # fmt: skip
    return int(rows[0][0]), int(rows[0][1])


def recovery_seconds(partitions: dict[int, int], applied: dict[int, datetime], killed_at: datetime) -> float:
    """From the kill until every partition that had events waiting at the kill had one applied again."""
    waiting: dict[int, list[datetime]] = {}
    for n, partition in partitions.items():
        done = applied.get(n)
        if done is None or done > killed_at:
            waiting.setdefault(partition, []).append(done or datetime.max.replace(tzinfo=UTC))
    if not waiting:
        return 0.0
    resumed = max(min(times) for times in waiting.values())
    return max(0.0, (resumed - killed_at).total_seconds())


async def topic_event_ids(kafka: str, topic: str, event_type: str | None = None) -> Counter[str]:
    """How many times each event id is on the topic (all partitions, from the start): the relays' own record."""
    # No group: the consumer is given every partition of the topic, and commits nothing.
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    try:
        while not consumer.assignment():  # noqa: ASYNC110 - aiokafka offers no event for it
            await asyncio.sleep(0.1)
        partitions = sorted(consumer.assignment())
        ends = await consumer.end_offsets(partitions)
        await consumer.seek_to_beginning(*partitions)
        seen: Counter[str] = Counter()

        async def behind() -> bool:
            return any([await consumer.position(tp) < ends[tp] for tp in partitions])

        while await behind():
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for messages in batches.values():
                for message in messages:
                    headers = {k: v.decode() for k, v in message.headers}
                    if event_type is None or headers.get("ce_type") == event_type:
                        seen[headers["ce_id"]] += 1
        return seen
    finally:
        await consumer.stop()
