"""Event latency: from an outbox event's commit in the producing database to its effect committed by the consumer, at
a steady rate — p50, p99 and the worst, with every event's effect counted (lost, duplicated in effect).

    .venv/bin/python bench/event_latency.py --database-url URL --kafka BOOTSTRAP [--seconds 60] [--rate 500]

It drives the mesh's own machinery, on the real PostgreSQL and Kafka, without a service around it: a producing
side that commits, at `--rate` transactions a second for `--seconds`, one row and one event (hub.outbox.record_event)
per transaction, published by hub.outbox.OutboxRelay (woken by NOTIFY) in the same process, as in a service; and a
consuming process running hub.consumer.EventConsumer, whose handler writes the effect row beside the inbox record.
Both run on uvloop, the event loop uvicorn gives the services.
Each side stamps its row with clock_timestamp() as the last statement before COMMIT, so both times come from the
same server clock and the latency is commit → effect committed. Databases bench_events_producer and
bench_events_consumer are dropped and recreated each run; the topic is catalog.events under the prefix
`bench.events.` (the mesh's declared partition count), deleted before and after. The goal (issue 14): p50 ≤ 20 ms,
p99 ≤ 100 ms at 500 events/s for 60 s, nothing lost. The figures go to .run/bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import asyncpg
import uvloop
from aiokafka.admin import AIOKafkaAdminClient
from alembic.migration import MigrationContext
from alembic.operations import Operations
from opentelemetry.sdk.trace import TracerProvider
from processes import cpu_seconds
from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventConsumer, EventHandlers
from hub.db import asyncpg_dsn, create_engine, create_sessionmaker
from hub.events import Event
from hub.migrations import create_messaging_tables
from hub.outbox import OutboxRelay, record_event
from hub.settings import HubSettings
from results import RESULTS, write_results

BENCH_DIR = Path(os.environ.get("RUN_DIR", Path(__file__).resolve().parents[1] / ".run")) / "bench"
PRODUCER_DB = "bench_events_producer"
CONSUMER_DB = "bench_events_consumer"
TOPIC_PREFIX = "bench.events."
GOAL_P50_MS = 20.0
GOAL_P99_MS = 100.0
# Once the writes stop, how long without a new effect before the events still without one count as lost.
DRAIN_STALL_SECONDS = 15.0
WARM_UP_SEQ = -1
# Producing transactions at once, at most.
WRITERS = 10


class BenchHappened(Event):
    """The benchmark's event: which write it reports, keyed by one of a few aggregates (order per key holds)."""

    type: ClassVar[str] = "bench.latency.happened"
    # A declared topic of the mesh (services/mesh.toml), under the benchmark's own prefix.
    topic: ClassVar[str] = "catalog.events"

    key: str
    seq: int

    def aggregate_id(self) -> str:
        return self.key


def settings(database_url: str, database: str, kafka: str, service: str) -> HubSettings:
    url = make_url(database_url).set(drivername="postgresql+asyncpg", database=database)
    return HubSettings(
        service_name=service,
        database_url=url.render_as_string(hide_password=False),
        kafka_bootstrap_servers=kafka,
        kafka_topic_prefix=TOPIC_PREFIX,
        log_json=False,
    )


# --- set-up --------------------------------------------------------------------------------------------------------


def _messaging_tables(conn: Connection, stamp_table: str) -> None:
    """The outbox and inbox (with the relay's NOTIFY trigger) as every service's first migration creates them."""
    with Operations.context(MigrationContext.configure(conn)):
        create_messaging_tables()
    conn.execute(text(f"CREATE TABLE {stamp_table} (seq bigint NOT NULL, at timestamptz NOT NULL)"))


async def fresh_databases(database_url: str, kafka: str) -> None:
    server = await asyncpg.connect(asyncpg_dsn(make_url(database_url).set(database="postgres").render_as_string(False)))
    try:
        for name in (PRODUCER_DB, CONSUMER_DB):
            await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()
    for database, table in ((PRODUCER_DB, "committed"), (CONSUMER_DB, "effect")):
        engine = create_engine(settings(database_url, database, kafka, "bench-events"))
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_messaging_tables, table)
        finally:
            await engine.dispose()


async def delete_topics(kafka: str) -> None:
    """The run's topics, so no run reads another's events."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(TOPIC_PREFIX)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


# --- the consuming side (its own process) ---------------------------------------------------------------------------

handlers = EventHandlers()


@handlers.on(BenchHappened)
async def apply_effect(session: AsyncSession, event: BenchHappened) -> None:
    """The effect: a row stamped with the time, in the same transaction as the inbox record."""
    await session.execute(text("INSERT INTO effect (seq, at) VALUES (:seq, clock_timestamp())"), {"seq": event.seq})


async def consume(database_url: str, kafka: str) -> None:
    """Run the consumer until SIGTERM."""
    consumer_settings = settings(database_url, CONSUMER_DB, kafka, "bench-events-consumer")
    engine = create_engine(consumer_settings)
    consumer = EventConsumer(consumer_settings, create_sessionmaker(engine), handlers, TracerProvider())
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    consumer.start()
    try:
        await stopping.wait()
    finally:
        await consumer.stop()
        await engine.dispose()


# --- the producing side --------------------------------------------------------------------------------------------


class Producer:
    """Commits one row and one outbox event per transaction, at a steady rate; its relay publishes them."""

    def __init__(self, database_url: str, kafka: str, keys: int) -> None:
        self.settings = settings(database_url, PRODUCER_DB, kafka, "bench-events-producer")
        self.engine = create_engine(self.settings)
        self.sessionmaker = create_sessionmaker(self.engine)
        self.relay = OutboxRelay(self.settings, self.engine, TracerProvider())
        self.keys = keys
        self.committed = 0
        self.failed = 0

    async def write(self, *seqs: int) -> None:
        """One transaction: one event and one row per sequence number."""
        try:
            async with self.sessionmaker() as session, session.begin():
                for seq in seqs:
                    await record_event(
                        session, BenchHappened(key=f"k{seq % self.keys}", seq=seq), source="/bench/events"
                    )
                # The last statement before COMMIT.
                await session.execute(text("INSERT INTO committed (seq, at) VALUES (:seq, clock_timestamp())"),
                                      [{"seq": seq} for seq in seqs])  # fmt: skip
            self.committed += len(seqs)
        except Exception:
            self.failed += 1
            raise

    async def run(self, rate: float, seconds: float, per_commit: int) -> tuple[float, int]:
        """Start a transaction of `per_commit` events every per_commit/rate s for `seconds`, up to WRITERS at once
        (the relay shares the pool, as in a service); the seconds it took and the transactions started late by more
        than one interval (the writer could not keep the rate)."""
        interval = per_commit / rate
        total = round(rate * seconds / per_commit)
        writers = asyncio.Semaphore(WRITERS)
        writes: set[asyncio.Task[None]] = set()
        late = 0

        async def write(tick: int) -> None:
            try:
                await self.write(*range(tick * per_commit, (tick + 1) * per_commit))
            finally:
                writers.release()

        started = time.perf_counter()
        for tick in range(total):
            delay = started + tick * interval - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            await writers.acquire()
            if started + (tick + 1) * interval < time.perf_counter():
                late += 1
            task = asyncio.create_task(write(tick))
            writes.add(task)
            task.add_done_callback(writes.discard)
        await asyncio.gather(*writes, return_exceptions=True)
        return time.perf_counter() - started, late

    async def close(self) -> None:
        await self.relay.stop()
        await self.engine.dispose()


async def rows(database_url: str, database: str, table: str) -> list[tuple[int, datetime]]:
    dsn = make_url(database_url).set(drivername="postgresql", database=database).render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        return [(r["seq"], r["at"]) for r in await conn.fetch(f"SELECT seq, at FROM {table} WHERE seq >= 0")]  # noqa: S608
    finally:
        await conn.close()


async def effects_of_warm_up(database_url: str) -> bool:
    dsn = make_url(database_url).set(drivername="postgresql", database=CONSUMER_DB).render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM effect WHERE seq = $1", WARM_UP_SEQ))
    finally:
        await conn.close()


async def distinct_effects(database_url: str) -> int:
    dsn = make_url(database_url).set(drivername="postgresql", database=CONSUMER_DB).render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(DISTINCT seq) FROM effect WHERE seq >= 0"))
    finally:
        await conn.close()


async def measure(
    database_url: str, kafka: str, rate: float, seconds: float, keys: int, per_commit: int, consumer_pid: int
) -> dict[str, Any]:
    producer = Producer(database_url, kafka, keys)
    try:
        producer.relay.start()
        # The consumer has joined its group and the topic exists once a warm-up event has had its effect.
        await producer.write(WARM_UP_SEQ)
        deadline = time.monotonic() + 120
        while not await effects_of_warm_up(database_url):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the warm-up event had no effect within 120 s; see {BENCH_DIR}/events-consumer.log")
            await asyncio.sleep(0.1)
        producer.committed = 0  # the warm-up event is not measured
        load_before = os.getloadavg()
        cpu_before, consumer_cpu_before = time.process_time(), cpu_seconds([consumer_pid])
        elapsed, late = await producer.run(rate, seconds, per_commit)
        cpu_producer = time.process_time() - cpu_before
        # The tail: wait while effects keep coming; what has none after DRAIN_STALL_SECONDS without one is lost.
        seen, progressed = -1, time.monotonic()
        while (now := await distinct_effects(database_url)) < producer.committed:
            if now > seen:
                seen, progressed = now, time.monotonic()
            elif time.monotonic() - progressed > DRAIN_STALL_SECONDS:
                break
            await asyncio.sleep(0.2)
        cpu_consumer = cpu_seconds([consumer_pid]) - consumer_cpu_before
        return {
            "committed": producer.committed,
            "failed": producer.failed,
            "elapsed": elapsed,
            "late": late,
            "producer_cpu_s": cpu_producer,
            "consumer_cpu_s": cpu_consumer,
            "load": (load_before, os.getloadavg()),
            "commits": dict(await rows(database_url, PRODUCER_DB, "committed")),
            "effects": await rows(database_url, CONSUMER_DB, "effect"),
        }
    finally:
        await producer.close()


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(p / 100 * len(ordered))) - 1]


def figure(value: float, unit: str, goal: float) -> dict[str, Any]:
    return {"value": round(value, 1), "unit": unit, "baseline": goal, "ratio": round(value / goal, 3)}


def report(found: dict[str, Any], rate: float, seconds: float) -> None:
    commits: dict[int, datetime] = found["commits"]
    first_effect: dict[int, datetime] = {}
    for seq, at in sorted(found["effects"], key=lambda e: e[1]):
        first_effect.setdefault(seq, at)
    latencies = [(first_effect[s] - at).total_seconds() * 1000 for s, at in commits.items() if s in first_effect]
    lost = len(commits) - len(latencies)
    duplicated = len(found["effects"]) - len(first_effect)
    if not latencies:
        raise SystemExit("no event had an effect")
    p50, p99, worst = statistics.median(latencies), percentile(latencies, 99), max(latencies)
    achieved = found["committed"] / found["elapsed"]
    load = " → ".join(f"{a[0]:.1f}" for a in found["load"])
    print(f"\noutbox commit → consumer effect committed, {found['committed']} events in {found['elapsed']:.1f} s "
          f"({achieved:.0f}/s; asked {rate:g}/s for {seconds:g} s; {found['late']} transactions started late, "
          f"{found['failed']} failed); load average {load} on {os.cpu_count()} cores")  # fmt: skip
    print(f"  p50 {p50:7.1f} ms   goal ≤ {GOAL_P50_MS:.0f} ms   {'met' if p50 <= GOAL_P50_MS else 'NOT met'}")
    print(f"  p99 {p99:7.1f} ms   goal ≤ {GOAL_P99_MS:.0f} ms  {'met' if p99 <= GOAL_P99_MS else 'NOT met'}")
    print(f"  max {worst:7.1f} ms")
    print(f"  lost {lost}   duplicated in effect {duplicated}   goal 0 and 0   "
          f"{'met' if lost == duplicated == 0 else 'NOT met'}")  # fmt: skip
    print(f"  producing process (writes + relay): {1000 * found['producer_cpu_s'] / max(1, found['committed']):.2f} ms "
          f"CPU per event")  # fmt: skip
    print(f"  consuming process: {1000 * found['consumer_cpu_s'] / max(1, found['committed']):.2f} ms CPU per event")
    write_results({
        "event_latency_p50_ms": figure(p50, "ms", GOAL_P50_MS),
        "event_latency_p99_ms": figure(p99, "ms", GOAL_P99_MS),
        "event_latency_max_ms": figure(worst, "ms", GOAL_P99_MS),
        "event_latency_rate_per_s": figure(achieved, "events/s", rate),
        # Goals of 0: ratio 0 meets them, anything else is reported as the count itself.
        "event_latency_lost": {"value": lost, "unit": "events", "baseline": 0, "ratio": float(lost)},
        "event_latency_duplicated": {"value": duplicated, "unit": "events", "baseline": 0, "ratio": float(duplicated)},
    })  # fmt: skip
    print(f"figures written to {RESULTS}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--kafka", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the rate is sustained")
    parser.add_argument("--rate", type=float, default=500.0, help="events committed per second")
    parser.add_argument("--keys", type=int, default=100, help="distinct aggregates (Kafka keys) the events are about")
    parser.add_argument("--events-per-commit", type=int, default=1, help="events each producing transaction commits")
    parser.add_argument("--consume", action="store_true", help=argparse.SUPPRESS)  # the consuming process
    args = parser.parse_args()
    if args.consume:
        uvloop.run(consume(args.database_url, args.kafka))
        return 0
    asyncio.run(delete_topics(args.kafka))
    asyncio.run(fresh_databases(args.database_url, args.kafka))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    log = (BENCH_DIR / "events-consumer.log").open("w")
    consumer = subprocess.Popen(  # noqa: S603 - this script, as the consuming process
        [sys.executable, __file__, "--consume", "--database-url", args.database_url, "--kafka", args.kafka],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        found = uvloop.run(
            measure(
                args.database_url, args.kafka, args.rate, args.seconds, args.keys, args.events_per_commit, consumer.pid
            )
        )
    finally:
        consumer.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            consumer.wait(30)
        consumer.kill()
        log.close()
        asyncio.run(delete_topics(args.kafka))
    report(found, args.rate, args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
