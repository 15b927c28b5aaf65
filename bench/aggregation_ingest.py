"""The big data centre's ingest benchmark: records/s of a bulk push, beside a raw PostgreSQL COPY of the same rows.

    .venv/bin/python bench/aggregation_ingest.py --database-url URL [--records 1000000] [--open-entry]

It creates a database of its own (bench_aggregation, dropped and recreated each run) on the given server, seeds
the catalogue read model with one published 10-item entry (so no catalog-svc is needed), starts aggregation-svc on
a free port and pushes, as the entry's responsible agency's system with an internal token signed by a fresh key,
NDJSON generated on the fly: a batch of N/10 records, then one of N (100k and 1M by default). Validation is on, as
always. While each batch runs it samples the service's resident memory (VmRSS) and keeps the peak. Then it COPYs
the same N rows, in the records table's shape, into a copy of that table (same keys and indexes) with asyncpg: the
baseline. The figures go to .run/bench/results.json.

With --open-entry the entry is open data (open type unconditional, A22.1), so every batch also notes its records
for the open-records changelog in its transaction, and the centre's relay publishes them to Kafka while the next
batch is pushed (aggregation_svc.changelog): the price of the changelog, as `aggregation_ingest_open_entry_*`
figures. The script then waits until the relay has published everything and reports how long after the large
batch that took; the run's changelog topic is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner, generate_keypair
from hub.migrations import ensure_database, upgrade_to_head
from results import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "aggregation-svc" / "aggregation_svc" / "migrations"
DATABASE = "bench_aggregation"
CITY = "320200"
GOAL_RATIO = 0.5
TOPIC_PREFIX = "bench."
OPEN_RECORDS = "aggregation.open-records"
LINES_PER_CHUNK = 1_000

# The entry's 10 declared items: (name, label, data_type, length, required, key).
ITEMS = [
    ("id_number", "居民身份证号码", "string", 18, True, True),
    ("full_name", "姓名", "string", 20, True, False),
    ("age", "年龄", "integer", 3, False, False),
    ("income", "收入", "decimal", 12, False, False),
    ("insured", "是否参保", "boolean", None, False, False),
    ("registered_on", "登记日期", "date", None, False, False),
    ("updated_at", "更新时间", "datetime", None, False, False),
    ("address", "地址", "string", 100, False, False),
    ("phone", "联系电话", "string", 20, False, False),
    ("office", "经办机构", "string", 50, False, False),
]


def declared_items() -> list[dict[str, Any]]:
    """The entry's items as the read model holds them (hub.contracts.catalog.DataItemSpec, in order)."""
    return [
        {"name": name, "label": label, "data_type": kind, "length": length, "required": required, "key": key,
         "sensitivity": "sensitive" if key else "internal"}
        for name, label, kind, length, required, key in ITEMS
    ]  # fmt: skip


def record(n: int) -> dict[str, Any]:
    """Record n of the benchmark: every item filled, valid, its key unique to n."""
    return {
        "id_number": f"32020019{n:010d}",
        "full_name": f"居民{n}",
        "age": 18 + n % 70,
        "income": f"{n % 100000}.{n % 100:02d}",
        "insured": n % 3 != 0,
        "registered_on": f"20{10 + n % 15}-{1 + n % 12:02d}-{1 + n % 28:02d}",
        "updated_at": f"2025-0{1 + n % 9}-1{n % 10}T0{n % 10}:30:00+08:00",
        "address": f"无锡市梁溪区中山路{n % 999}号{n % 30}室",
        "phone": f"139{n % 100000000:08d}",
        "office": f"梁溪区社保中心第{n % 20}窗口",
    }


async def seed(url: str, open_type: str = "not_open") -> tuple[uuid.UUID, uuid.UUID]:
    """A fresh, migrated database with one published 10-item entry of one agency; returns (entry, agency)."""
    server = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(asyncpg_dsn(server))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await conn.close()
    await ensure_database(url)
    await upgrade_to_head(MIGRATIONS, url)
    entry, agency = uuid.uuid4(), uuid.uuid4()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO published_entries (entry_id, code, version, region_code, provider_agency_id, name, summary, "
            "update_cycle, share_type, open_type, secrecy, consent_required, items, published_at) VALUES "
            "($1, '01-02/900001', 1, $2, $3, '基准测试人口信息', '基准测试用的人口信息。', 'daily', 'unconditional', "
            "$5, 'internal', false, $4::jsonb, now())",
            entry, CITY, agency, json.dumps(declared_items(), ensure_ascii=False), open_type,
        )  # fmt: skip
    finally:
        await conn.close()
    return entry, agency


async def changelog_drained(url: str) -> float:
    """Seconds until the centre's relay has published every record noted for the open-records changelog."""
    started = time.perf_counter()
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        while await conn.fetchval("SELECT count(*) FROM open_changelog"):  # noqa: ASYNC110 - another process writes it
            await asyncio.sleep(0.1)
    finally:
        await conn.close()
    return time.perf_counter() - started


async def delete_topics(bootstrap: str, topics: list[str]) -> None:
    """Delete the run's topics (each run's entry is new: its records would pile up on a compacted topic)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics(topics)
    finally:
        await admin.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RssSampler:
    """Samples a process's VmRSS from /proc every 50 ms; `peak()` is the highest since the last `reset()`.

    VmHWM (the kernel's own peak) cannot be reset from outside, so each phase's peak is sampled instead.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self._peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self._peak_kb = max(self._peak_kb, self.rss_kb())

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self._peak_kb = self.rss_kb()

    def peak_mb(self) -> float:
        return max(self._peak_kb, self.rss_kb()) / 1024

    def cpu_seconds(self) -> float:
        """User + system CPU the process has used so far: how much of a push is the service's own work."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime (proc(5) 14, 15)


async def ndjson(first: int, count: int) -> AsyncIterator[bytes]:
    """Records first … first+count-1 as NDJSON, generated as they are sent."""
    for start in range(first, first + count, LINES_PER_CHUNK):
        end = min(start + LINES_PER_CHUNK, first + count)
        yield "".join(json.dumps(record(n), ensure_ascii=False) + "\n" for n in range(start, end)).encode()


@dataclass(frozen=True)
class Push:
    records: int
    seconds: float
    peak_rss_mb: float
    service_cpu_seconds: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds


async def push(
    client: httpx.AsyncClient, entry: uuid.UUID, batch: str, first: int, count: int, rss: RssSampler
) -> Push:
    rss.reset()
    cpu = rss.cpu_seconds()
    started = time.perf_counter()
    response = await client.post(
        f"/entries/{entry}/batches/{batch}", content=ndjson(first, count),
        headers={"content-type": "application/x-ndjson"},
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if response.status_code != 201:
        raise RuntimeError(f"batch {batch}: {response.status_code} {response.text[:2000]}")
    report = response.json()
    if report["stored"] != count or report["quarantined"]:
        raise RuntimeError(f"batch {batch}: expected {count} stored, none quarantined; got {report}")
    return Push(count, seconds, rss.peak_mb(), rss.cpu_seconds() - cpu)


def copy_rows(entry: uuid.UUID, agency: uuid.UUID, count: int) -> Iterator[tuple[Any, ...]]:
    """The same records, in the records table's shape: key, typed JSON data, pusher, batch, times."""
    now = datetime.now(UTC)
    for n in range(count):
        data = record(n)
        yield (entry, json.dumps([data["id_number"]]), json.dumps(data, ensure_ascii=False), None, agency,
               "bench-copy", 1, now, now)  # fmt: skip


async def copy_baseline(url: str, entry: uuid.UUID, agency: uuid.UUID, count: int) -> float:
    """Seconds to COPY `count` rows into a table like `records` (same keys, indexes), generation included."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("CREATE TABLE copy_baseline (LIKE records INCLUDING ALL)")
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "copy_baseline",
            columns=["entry_id", "key", "data", "consent_id", "agency_id", "batch_id", "version", "created_at",
                     "updated_at"],
            records=copy_rows(entry, agency, count),
        )  # fmt: skip
        return time.perf_counter() - started
    finally:
        await conn.close()


def wait_healthy(base_url: str, service: subprocess.Popen[bytes]) -> None:
    for _ in range(150):
        if service.poll() is not None:
            raise RuntimeError(f"aggregation-svc exited with {service.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("aggregation-svc did not answer /healthz in 30 s")


async def measure(base_url: str, token: str, entry: uuid.UUID, records: int, rss: RssSampler) -> tuple[Push, Push]:
    headers = {INTERNAL_TOKEN_HEADER: token}
    timeout = httpx.Timeout(30.0, read=None, write=None)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=timeout) as client:
        small = await push(client, entry, "bench-small", 0, records // 10, rss)
        # The large batch's keys follow the small one's, so both only insert.
        large = await push(client, entry, "bench-large", records // 10, records, rss)
    return small, large


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--records", type=int, default=1_000_000, help="records of the large batch (small: 1/10)")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092"))
    parser.add_argument("--open-entry", action="store_true", help="an open entry: its records go to the changelog")
    args = parser.parse_args()
    if args.records < 10:
        parser.error("--records must be at least 10")
    url = make_url(args.database_url).set(database=DATABASE).render_as_string(hide_password=False)
    entry, agency = asyncio.run(seed(url, "unconditional" if args.open_entry else "not_open"))

    private_pem, public_pem = generate_keypair()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([public_pem]),
           "KAFKA_BOOTSTRAP_SERVERS": args.kafka, "KAFKA_TOPIC_PREFIX": TOPIC_PREFIX, "OTEL_TRACES_EXPORTER": "none",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    service = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", "aggregation_svc.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_healthy(base_url, service)
        caller = Caller(subject="bench-agency-system", kind="agency_system", roles=("agency_system",),
                        agency_id=str(agency), region_code=CITY)  # fmt: skip
        token = TokenSigner(private_pem, ttl_seconds=3600).sign(caller, audience="aggregation")
        with RssSampler(service.pid) as rss:
            small, large = asyncio.run(measure(base_url, token, entry, args.records, rss))
        drained = asyncio.run(changelog_drained(url)) if args.open_entry else None
    finally:
        service.terminate()
        service.wait(timeout=30)
        if args.open_entry:
            asyncio.run(delete_topics(args.kafka, [f"{TOPIC_PREFIX}{OPEN_RECORDS}"]))
    copy_seconds = asyncio.run(copy_baseline(url, entry, agency, args.records))
    copy_rate = args.records / copy_seconds
    ratio = large.rate / copy_rate
    flatness = large.peak_rss_mb / small.peak_rss_mb

    kind = "one open 10-item entry (records to the changelog)" if args.open_entry else "one 10-item entry"
    print(f"\naggregation ingest: {kind}, NDJSON through POST /entries/{{id}}/batches/{{id}}, validation on")
    print(f"  {'':28} {'records':>10} {'seconds':>9} {'records/s':>11} {'peak RSS MB':>12} {'service CPU s':>14}")
    print(f"  {'push (small batch)':28} {small.records:>10,} {small.seconds:>9.1f} {small.rate:>11,.0f} "
          f"{small.peak_rss_mb:>12.1f} {small.service_cpu_seconds:>14.1f}")  # fmt: skip
    print(f"  {'push (large batch)':28} {large.records:>10,} {large.seconds:>9.1f} {large.rate:>11,.0f} "
          f"{large.peak_rss_mb:>12.1f} {large.service_cpu_seconds:>14.1f}")  # fmt: skip
    print(f"  {'COPY into a records copy':28} {args.records:>10,} {copy_seconds:>9.1f} {copy_rate:>11,.0f}")
    print(f"  push ÷ COPY = {ratio:.2f} (goal ≥ {GOAL_RATIO}: {'met' if ratio >= GOAL_RATIO else 'NOT met'}); "
          f"peak RSS large ÷ small = {flatness:.2f} (flat ≈ 1)")  # fmt: skip
    if drained is not None:
        print(f"  changelog: every record published {drained:.1f} s after the large batch's answer")
        write_results({
            "aggregation_ingest_open_entry_records_per_s": {"value": round(large.rate), "unit": "records/s",
                                                            "baseline": round(copy_rate), "ratio": round(ratio, 3)},
            "aggregation_changelog_published_after_large_batch_s": {"value": round(drained, 1), "unit": "s",
                                                                    "baseline": round(large.seconds, 1),
                                                                    "ratio": round(drained / large.seconds, 3)},
        })  # fmt: skip
        print(f"figures written to {RESULTS}")
        return 0
    write_results({
        "aggregation_ingest_records_per_s": {"value": round(large.rate), "unit": "records/s",
                                             "baseline": round(copy_rate), "ratio": round(ratio, 3)},
        "aggregation_ingest_peak_rss_100k_mb": {"value": round(small.peak_rss_mb, 1), "unit": "MB",
                                                "baseline": round(small.peak_rss_mb, 1), "ratio": 1.0},
        "aggregation_ingest_peak_rss_1m_mb": {"value": round(large.peak_rss_mb, 1), "unit": "MB",
                                              "baseline": round(small.peak_rss_mb, 1), "ratio": round(flatness, 3)},
    })  # fmt: skip
    print(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
