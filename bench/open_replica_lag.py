"""The replica's lag: from a batch committed in the big data centre to its records served by open-svc, and from an
entry closed in the catalogue to none of it served (A22.1, A24.1).

    .venv/bin/python bench/open_replica_lag.py --database-url URL [--kafka HOST:PORT] [--rounds 5]

It creates two databases of its own on the given server (bench_replica_aggregation, bench_replica_open, dropped and
recreated each run), starts aggregation-svc and open-svc on free ports with topics under a prefix of this run
(deleted at the end, so no run replays another's records), and announces one open entry on catalog.events as
catalog-svc's relay would. Then, as the entry's agency system, it pushes batches of 1, 1,000 and 10,000 new records
(`--rounds` of each) and measures the time from the push's answer (sent once the batch has committed) until
open-svc's replica serves every record of the entry: the centre's relay publishing to the compacted changelog,
open-svc's follower applying it, read with the query open-svc's readers use (open_svc.replica.repository.count),
polled every 2 ms. Last, the entry is announced not open: the time until open-svc serves none of it (its catalogue
read model), and until its tombstones have emptied the replica. Medians go to .run/bench/results.json, each beside
the goal of "within seconds" (5 s; ratio ≤ 1 meets it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aggregation_ingest import CITY, declared_items, free_port, ndjson, wait_healthy
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from hub.contracts.catalog import EntryPublished
from hub.db import asyncpg_dsn
from hub.events import EventEnvelope
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner, generate_keypair
from hub.kafka import ensure_topics
from hub.migrations import ensure_database, upgrade_to_head
from hub.settings import HubSettings
from results import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
SERVICES = {"aggregation": "aggregation_svc", "open": "open_svc"}
BATCH_SIZES = (1, 1_000, 10_000)
GOAL_MS = 5000.0
POLL_SECONDS = 0.002
# What open-svc serves of an entry: open_svc.replica.repository.count, as SQL.
SERVED = (
    "SELECT count(*) FROM open_records r WHERE r.entry_id = $1 AND EXISTS (SELECT 1 FROM published_entries e "
    "WHERE e.entry_id = r.entry_id AND e.open_type IN ('unconditional', 'conditional') AND e.secrecy <> 'secret' "
    "AND e.retired_at IS NULL)"
)
HELD = "SELECT count(*) FROM open_records WHERE entry_id = $1"


async def fresh_databases(server_url: str) -> dict[str, str]:
    """Each service's database, new and migrated."""
    urls = {}
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        for name in SERVICES:
            await conn.execute(f'DROP DATABASE IF EXISTS "bench_replica_{name}" WITH (FORCE)')
    finally:
        await conn.close()
    for name, package in SERVICES.items():
        urls[name] = make_url(server_url).set(database=f"bench_replica_{name}").render_as_string(hide_password=False)
        await ensure_database(urls[name])
        await upgrade_to_head(REPO / package.replace("_", "-") / package / "migrations", urls[name])
    return urls


def published(entry: uuid.UUID, agency: uuid.UUID, version: int, open_type: str) -> EntryPublished:
    return EntryPublished.model_validate({
        "entry_id": entry, "code": "01-02/900002", "version": version, "region_code": CITY,
        "provider_agency_id": agency, "name": "基准测试开放数据", "summary": "副本时延基准测试用的开放数据。",
        "category": "theme", "base_database": None, "share_type": "unconditional", "share_conditions": None,
        "share_method": "api", "open_type": open_type, "open_conditions": None, "update_cycle": "daily",
        "secrecy": "internal", "consent_required": False, "items": declared_items(),
        "published_at": datetime.now(UTC),
        "open_legal_basis": None if open_type != "not_open" else "《中华人民共和国个人信息保护法》",
    })  # fmt: skip


async def announce(kafka: str, prefix: str, event: EntryPublished) -> None:
    """The event on catalog.events, as catalog-svc's relay would put it there."""
    await ensure_topics(HubSettings(service_name="bench", kafka_bootstrap_servers=kafka, kafka_topic_prefix=prefix),
                        ["catalog.events"])  # fmt: skip
    envelope = EventEnvelope(id=str(uuid.uuid4()), type=event.type, source="/hub/catalog", subject=event.aggregate_id(),
                             time=datetime.now(UTC), data=event.model_dump(mode="json"))  # fmt: skip
    key, headers, value = envelope.to_kafka()
    producer = AIOKafkaProducer(bootstrap_servers=kafka)
    await producer.start()
    try:
        await producer.send_and_wait(f"{prefix}catalog.events", value, key=key, headers=headers)
    finally:
        await producer.stop()


async def until(check: Callable[[], Awaitable[bool]], within: float = 120.0) -> float:
    """Seconds until the check holds, polled every POLL_SECONDS."""
    started = time.perf_counter()
    while not await check():
        if time.perf_counter() - started > within:
            raise RuntimeError(f"not reached within {within} s")
        await asyncio.sleep(POLL_SECONDS)
    return time.perf_counter() - started


async def measure(urls: dict[str, str], base_url: str, token: str, kafka: str, prefix: str, entry: uuid.UUID,
                  agency: uuid.UUID, rounds: int) -> dict[str, list[float]]:  # fmt: skip
    """Each batch size's lags, then the close's (ms)."""
    lags: dict[str, list[float]] = {}
    centre = await asyncpg.connect(asyncpg_dsn(urls["aggregation"]))
    replica = await asyncpg.connect(asyncpg_dsn(urls["open"]))
    client = httpx.AsyncClient(base_url=base_url, headers={INTERNAL_TOKEN_HEADER: token}, timeout=120.0)
    try:
        await announce(kafka, prefix, published(entry, agency, 1, "unconditional"))
        await until(lambda: _known(centre, entry), within=60)
        await until(lambda: _known(replica, entry), within=60)
        total = 0
        for size in BATCH_SIZES:
            for n in range(rounds):
                response = await client.post(f"/entries/{entry}/batches/lag-{size}-{n}", content=ndjson(total, size),
                                             headers={"content-type": "application/x-ndjson"})  # fmt: skip
                if response.status_code != 201 or response.json()["stored"] != size:
                    raise RuntimeError(f"batch of {size}: {response.status_code} {response.text[:500]}")
                total += size
                seconds = await until(counted(replica, SERVED, entry, total))
                lags.setdefault(f"{size}", []).append(seconds * 1000)
        await announce(kafka, prefix, published(entry, agency, 2, "not_open"))
        started = time.perf_counter()
        await until(counted(replica, SERVED, entry, 0))
        lags["close_served"] = [(time.perf_counter() - started) * 1000]
        await until(counted(replica, HELD, entry, 0))
        lags["close_held"] = [(time.perf_counter() - started) * 1000]
    finally:
        await client.aclose()
        await centre.close()
        await replica.close()
    return lags


async def _known(db: asyncpg.Connection, entry: uuid.UUID) -> bool:
    return bool(await db.fetchval("SELECT count(*) FROM published_entries WHERE entry_id = $1", entry))


def counted(db: asyncpg.Connection, query: str, entry: uuid.UUID, wanted: int) -> Callable[[], Awaitable[bool]]:
    """A check that the query counts `wanted` rows of the entry."""

    async def check() -> bool:
        return int(await db.fetchval(query, entry)) == wanted

    return check


async def delete_topics(kafka: str, prefix: str) -> None:
    """Every topic of this run."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        ours = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if ours:
            await admin.delete_topics(ours)
    finally:
        await admin.close()


def start(name: str, url: str, kafka: str, prefix: str, public_pem: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([public_pem]),
           "KAFKA_BOOTSTRAP_SERVERS": kafka, "KAFKA_TOPIC_PREFIX": prefix, "OTEL_TRACES_EXPORTER": "none",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", f"{SERVICES[name]}.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    return process, f"http://127.0.0.1:{port}"


def figure(ms: list[float]) -> dict[str, Any]:
    value = statistics.median(ms)
    return {"value": round(value, 1), "unit": "ms", "baseline": GOAL_MS, "ratio": round(value / GOAL_MS, 4)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092"))
    parser.add_argument("--rounds", type=int, default=5, help="batches of each size")
    args = parser.parse_args()
    urls = asyncio.run(fresh_databases(args.database_url))
    prefix = f"bench.lag{uuid.uuid4().hex[:8]}."
    entry, agency = uuid.uuid4(), uuid.uuid4()
    private_pem, public_pem = generate_keypair()
    processes = {name: start(name, urls[name], args.kafka, prefix, public_pem) for name in SERVICES}
    try:
        for process, base_url in processes.values():
            wait_healthy(base_url, process)
        caller = Caller(subject="bench-agency-system", kind="agency_system", roles=("agency_system",),
                        agency_id=str(agency), region_code=CITY)  # fmt: skip
        token = TokenSigner(private_pem, ttl_seconds=3600).sign(caller, audience="aggregation")
        base_url = processes["aggregation"][1]
        lags = asyncio.run(measure(urls, base_url, token, args.kafka, prefix, entry, agency, args.rounds))
    finally:
        for process, _ in processes.values():
            process.terminate()
            process.wait(timeout=30)
        asyncio.run(delete_topics(args.kafka, prefix))

    print("\nopen-svc replica lag: batch answered (committed) in the centre → every record served by open-svc")
    print(f"  {'':34} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for size in BATCH_SIZES:
        ms = lags[f"{size}"]
        print(f"  {f'batch of {size:,} records':34} {statistics.median(ms):>10.1f} {min(ms):>8.1f} {max(ms):>8.1f}")
    print(f"  {'entry closed → none served':34} {lags['close_served'][0]:>10.1f}")
    print(f"  {'entry closed → replica emptied':34} {lags['close_held'][0]:>10.1f}")
    write_results({
        "open_replica_lag_1_record_ms": figure(lags["1"]),
        "open_replica_lag_1k_records_ms": figure(lags["1000"]),
        "open_replica_lag_10k_records_ms": figure(lags["10000"]),
        "open_replica_close_served_ms": figure(lags["close_served"]),
        "open_replica_close_emptied_ms": figure(lags["close_held"]),
    })  # fmt: skip
    print(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
