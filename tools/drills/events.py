"""The event drills (A29.1): kill -9 a consuming replica in the middle of a stream of ingest events, the producing
replica during a run of writes, and the Kafka broker during the stream.

Counted in the databases: each event of the stream is an ingest batch of one record, so the data centre's `batches`
say which were applied (lost: sent, never applied) and its `record_history` whether one had a second effect. Each
write is a new agency, so catalog-svc's `agencies` and the gateway's `known_agencies` (which catalog.events feeds)
say which writes took effect and arrived; the topic itself says whether the relays published an event twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import httpx

from tools.drills.hub import DrillHub, PrivateKafka, wait_until
from tools.drills.load import (
    Prober,
    Stream,
    applied_batches,
    effects,
    publishing,
    query,
    recovery_seconds,
    topic_event_ids,
    wall,
)
from tools.drills.report import Outcome
from tools.drills.world import World, admin_token, new_agency

# Errors later than this after the kill (or the restart of what was killed) count as "after": the gateway must be
# back to no errors within seconds (A29.1).
SETTLE_SECONDS = 5.0
FUTURE_COMPLAINT = "Future exception was never retrieved"
# A drill gives up waiting for its events when none has been applied for this long.
STALL_SECONDS = 180.0


def centre_prober(hub: DrillHub, world: World) -> Prober:
    """Reads the entry from the data centre through the gateway, all along: its replicas serve HTTP too."""
    return Prober(hub.gateway_url(), f"/api/aggregation/entries/{world.entry_id}", world.job.form()).start()


def _stream_outcome(drill: str, killed: str, hub: DrillHub, world: World, stream: Stream, events: int,
                    killed_at_wall: datetime, at: str, in_flight: int) -> Outcome:  # fmt: skip
    centre = hub.service_database("aggregation")
    applied = asyncio.run(applied_batches(centre, world.entry_id))
    records, changes = asyncio.run(effects(centre, world.entry_id))
    lost = events - len(applied)
    outcome = Outcome(drill=drill, killed=killed, at=at, in_flight=in_flight, sent=events, lost=lost,
                      duplicated=changes - records, recovery=recovery_seconds(stream.partitions, applied,
                      killed_at_wall), errors_during=0, errors_after=0)  # fmt: skip
    if records != len(applied):
        outcome.notes.append(f"{len(applied)} batches applied but {records} records stored")
    if stream.gave_up:
        outcome.failed.append(f"the broker took no event for {stream.stalled:.0f} s: the stream gave up after "
                              f"{stream.published:,} of {events:,}")  # fmt: skip
    return outcome


def wait_applied(hub: DrillHub, world: World, events: int, stalled: float = STALL_SECONDS) -> None:
    """Until every event is applied, or none has been for `stalled` seconds (what never came is counted as lost):
    a loaded machine applies slowly, but a stuck consumer must not hang the drill."""
    centre = hub.service_database("aggregation")
    progress = (0, time.monotonic())

    def done() -> bool:
        nonlocal progress
        applied = len(asyncio.run(applied_batches(centre, world.entry_id)))
        if applied > progress[0]:
            progress = (applied, time.monotonic())
        return applied >= events or time.monotonic() - progress[1] > stalled

    wait_until(done, float("inf"), f"{events} events applied", pause=1.0)


def consumer_kill(hub: DrillHub, world: World, events: int) -> Outcome:
    """kill -9 one replica of aggregation-svc (which consumes aggregation.ingest) once half the stream is applied."""
    with hub.restarted_after("aggregation", 1):
        topic = f"{hub.topic_prefix}aggregation.ingest"
        stream = Stream(hub.kafka, topic, world)
        prober = centre_prober(hub, world)
        centre = hub.service_database("aggregation")
        try:
            with publishing(stream, events) as publisher:
                wait_until(lambda: len(asyncio.run(applied_batches(centre, world.entry_id))) >= events // 2, 3600,
                           "half the stream applied", pause=0.2)  # fmt: skip
                applied_before = len(asyncio.run(applied_batches(centre, world.entry_id)))
                killed_wall = wall()
                killed = hub.kill("aggregation", 1)
                publisher.join()
            wait_applied(hub, world, events)
        finally:
            prober.stop()
        at = f"{applied_before:,} of {events:,} events applied"
        outcome = _stream_outcome("consumer replica", "aggregation-1 (kill -9)", hub, world, stream, events,
                                     killed_wall, at, stream.published - applied_before)  # fmt: skip
        outcome.errors_during, outcome.errors_after, last = prober.split(killed, killed + SETTLE_SECONDS)
        outcome.notes.append(f"gateway: {prober.calls} reads of the centre, last error {last:.1f} s after the kill")
        return outcome


def kafka_kill(hub: DrillHub, broker: PrivateKafka, world: World, events: int, rate: float) -> Outcome:
    """kill -9 the (private) broker half way through the stream, and start it again at once."""
    topic = f"{hub.topic_prefix}aggregation.ingest"
    stream = Stream(hub.kafka, topic, world)
    prober = centre_prober(hub, world)
    complaints_before = hub.log_count(FUTURE_COMPLAINT)
    try:
        with publishing(stream, events, rate) as publisher:
            wait_until(lambda: stream.published >= events // 2, 600, "half the stream published", pause=0.05)
            centre = hub.service_database("aggregation")
            applied_before = len(asyncio.run(applied_batches(centre, world.entry_id)))
            published_before = stream.published
            killed_wall = wall()
            killed = broker.kill()
            broker.start()
            back = time.monotonic() - killed
            publisher.join()
        wait_applied(hub, world, events)
    finally:
        prober.stop()
    at = f"{published_before:,} of {events:,} events published"
    outcome = _stream_outcome("Kafka broker", "broker (kill -9), restarted", hub, world, stream, events,
                                 killed_wall, at, published_before - applied_before)  # fmt: skip
    outcome.errors_during, outcome.errors_after, last = prober.split(killed, killed + back + SETTLE_SECONDS)
    outcome.notes.append(f"broker serving again {back:.1f} s after the kill (restart included)")
    outcome.notes.append(f"producer resent {stream.resends} sends while the broker was away")
    outcome.notes.append(f"gateway: last error {last:.1f} s after the kill")
    complaints = hub.log_count(FUTURE_COMPLAINT) - complaints_before
    outcome.notes.append(f"'{FUTURE_COMPLAINT}' in the hub's logs: {complaints}")
    return outcome


def producer_kill(hub: DrillHub, world: World, writes: int, writers: int = 4) -> Outcome:
    """kill -9 one replica of catalog-svc (which publishes catalog.events) half way through a run of writes: new
    agencies through the gateway. Every acknowledged write must be in catalog-svc's database and reach the gateway's
    `known_agencies` through catalog.events exactly once."""
    with hub.restarted_after("catalog", 1):
        run = secrets.token_hex(3)
        acknowledged: dict[int, str] = {}
        failures: list[tuple[float, int]] = []  # (when, status; 0: no answer)
        outstanding = 0
        lock = threading.Lock()
        killed_box: list[float] = []
        # One token for every write: the token endpoint's anonymous rate limit (20 a second by default) refused a
        # token per write once the writes outran it.
        with httpx.Client(base_url=hub.gateway_url(), timeout=30.0) as client:
            admin = admin_token(client, world.admin_password)

        def write(n: int) -> None:
            nonlocal outstanding
            with httpx.Client(base_url=hub.gateway_url(), timeout=30.0) as client:
                with lock:
                    outstanding += 1
                try:
                    response = new_agency(client, admin, f"演练机构{run}-{n}")
                except httpx.HTTPError:
                    response = None
                with lock:
                    outstanding -= 1
                if response is not None and response.status_code == 201:
                    acknowledged[n] = str(response.json()["id"])
                elif response is None or response.status_code >= 500:
                    failures.append((time.monotonic(), 0 if response is None else response.status_code))

        in_flight = 0
        with ThreadPoolExecutor(writers) as pool:
            futures = [pool.submit(write, n) for n in range(writes)]
            wait_until(lambda: len(acknowledged) >= writes // 2, 600, "half the writes answered", pause=0.05)
            with lock:
                in_flight = outstanding
            killed_box.append(hub.kill("catalog", 1))
            for future in futures:
                future.result()
        killed = killed_box[0]
        catalog = hub.service_database("catalog")
        gateway = hub.service_database("gateway")
        names = [f"演练机构{run}-{n}" for n in range(writes)]

        async def stored() -> tuple[Counter[str], set[str]]:
            rows = await query(catalog, "SELECT id::text, name FROM agencies WHERE name = ANY($1)", names)
            return Counter(r["name"] for r in rows), {r["id"] for r in rows}

        async def known(ids: set[str]) -> set[str]:
            rows = await query(gateway, "SELECT id::text FROM known_agencies WHERE id::text = ANY($1)", list(ids))
            return {r["id"] for r in rows}

        by_name, ids = asyncio.run(stored())
        with contextlib.suppress(TimeoutError):  # what never came is counted as lost
            wait_until(lambda: asyncio.run(known(ids)) >= ids, 120, "the gateway to learn every agency", pause=0.5)
        arrived = asyncio.run(known(ids))
        acked = set(acknowledged.values())
        lost = len(acked - ids) + len(ids - arrived)
        published = asyncio.run(topic_event_ids(hub.kafka, f"{hub.topic_prefix}catalog.events", None))
        twice = sum(1 for count in published.values() if count > 1)
        during = sum(1 for t, _ in failures if killed <= t <= killed + SETTLE_SECONDS)
        after = Counter(status for t, status in failures if t > killed + SETTLE_SECONDS)
        last = max((t - killed for t, _ in failures if t >= killed), default=0.0)
        outcome = Outcome(drill="producer replica", killed="catalog-1 (kill -9)", at=f"after {writes // 2:,} writes",
                          in_flight=in_flight, sent=writes, lost=lost,
                          duplicated=sum(c - 1 for c in by_name.values()), recovery=last,
                          errors_during=during, errors_after=after.total())  # fmt: skip
        unacknowledged = len(ids - acked)
        outcome.notes.append(f"{len(acked)} writes acknowledged, {len(failures)} answered 5xx, {unacknowledged} "
                             f"took effect unacknowledged (cut off by the kill); {len(arrived)} of {len(ids)} stored "
                             "agencies reached the gateway")  # fmt: skip
        outcome.notes.append(f"catalog.events: {sum(published.values())} messages, {twice} event ids published twice")
        if twice:
            # No second effect (the inbox absorbs it), but the relays must publish each event once (issue 15).
            outcome.failed.append(f"{twice} events published twice on catalog.events by the outbox relays")
        if after:
            outcome.notes.append(f"answers after the first {SETTLE_SECONDS:.0f} s, by status: {dict(after)}")
        return outcome
