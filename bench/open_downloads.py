"""Downloads of an open dataset as CSV, JSON and XLSX, streamed whatever their size (A24.1).

    .venv/bin/python bench/open_downloads.py --database-url URL [--kafka HOST:PORT] [--records 25000,250000]

It creates a database of its own (bench_downloads_open, dropped and recreated each run), starts open-svc on a free
port with topics under a prefix of this run (deleted at the end), announces one unconditionally open 10-item entry
on catalog.events as catalog-svc's relay would, and fills open-svc's replica of it with COPY (how the replica is fed
is bench/open_replica_lag.py's subject, not this one's). Then, for each size, it downloads the dataset in each format
as an anonymous caller, reading the body as it comes: the time to the first byte, the whole time, records/s, and
open-svc's peak resident memory (VmRSS sampled every 50 ms) during the download. Each file's records are counted
(CSV lines, JSON objects, XLSX rows read back from the workbook's sheets) and must be all of them.

"Any size" is shown by the ratios of the largest size to the smallest: the time to the first byte and the memory
stay where they were (ratio ≈ 1) while the records grow tenfold. Figures go to .run/bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aggregation_ingest import RssSampler, record, wait_healthy
from open_replica_lag import _known, announce, delete_topics, published, start, until
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner, generate_keypair
from hub.migrations import ensure_database, upgrade_to_head
from results import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "open-svc" / "open_svc" / "migrations"
DATABASE = "bench_downloads_open"
FORMATS = ("csv", "json", "xlsx")
COPY_ROWS = 50_000


@dataclass(frozen=True)
class Download:
    records: int
    first_byte_ms: float
    seconds: float
    size_mb: float
    peak_rss_mb: float


async def fresh_database(server_url: str) -> str:
    conn = await asyncpg.connect(asyncpg_dsn(server_url))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    finally:
        await conn.close()
    url = make_url(server_url).set(database=DATABASE).render_as_string(hide_password=False)
    await ensure_database(url)
    await upgrade_to_head(MIGRATIONS, url)
    return url


async def fill(url: str, entry: uuid.UUID, first: int, count: int) -> None:
    """Records first … first+count-1 of the entry in open-svc's replica."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        now = datetime.now(UTC)
        for start_at in range(first, first + count, COPY_ROWS):
            rows = [
                (entry, record(n)["id_number"], json.dumps(record(n), ensure_ascii=False), now)
                for n in range(start_at, min(start_at + COPY_ROWS, first + count))
            ]
            await conn.copy_records_to_table(
                "open_records", records=rows, columns=["entry_id", "key", "data", "updated_at"]
            )
    finally:
        await conn.close()


def counted(file_format: str, path: Path) -> int:
    """The records in a downloaded file, read back independently of open-svc's writers."""
    if file_format == "csv":
        with path.open("rb") as f:
            return sum(1 for _ in f) - 1  # the header line; no value of the benchmark holds a line break
    if file_format == "json":
        return len(json.loads(path.read_bytes()))
    rows = 0
    with zipfile.ZipFile(path) as workbook:
        for name in workbook.namelist():
            if name.startswith("xl/worksheets/"):
                with workbook.open(name) as sheet:  # decompressed as read, checked against each part's CRC
                    tail = b""
                    while chunk := sheet.read(1 << 20):
                        rows += (tail + chunk).count(b"<row ")
                        tail = chunk[-4:]
                rows -= 1  # each sheet's header row
    return rows


def download(base_url: str, token: str, entry: uuid.UUID, file_format: str, records: int,
             sampler: RssSampler) -> Download:  # fmt: skip
    with tempfile.NamedTemporaryFile(suffix=f".{file_format}") as out:
        sampler.reset()
        started = time.perf_counter()
        first_byte = 0.0
        with httpx.stream("GET", f"{base_url}/datasets/{entry}/download", params={"format": file_format},
                          headers={INTERNAL_TOKEN_HEADER: token}, timeout=600) as response:  # fmt: skip
            if response.status_code != 200:
                raise RuntimeError(f"{file_format}: {response.status_code} {response.read()[:500]!r}")
            for chunk in response.iter_raw():
                if not first_byte:
                    first_byte = time.perf_counter() - started
                out.write(chunk)
        seconds = time.perf_counter() - started
        out.flush()
        peak = sampler.peak_mb()
        got = counted(file_format, Path(out.name))
        if got != records:
            raise RuntimeError(f"{file_format}: {got} records in the file, {records} in the replica")
        return Download(records, first_byte * 1000, seconds, Path(out.name).stat().st_size / 2**20, peak)


def ratio_figure(value: float, baseline: float, unit: str) -> dict[str, Any]:
    return {"value": round(value, 1), "unit": unit, "baseline": round(baseline, 1),
            "ratio": round(value / baseline, 3) if baseline else None}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092"))
    parser.add_argument("--records", default="25000,250000", help="dataset sizes, smallest first")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.records.split(","))
    url = asyncio.run(fresh_database(args.database_url))
    prefix = f"bench.dl{uuid.uuid4().hex[:8]}."
    entry, agency = uuid.uuid4(), uuid.uuid4()
    private_pem, public_pem = generate_keypair()
    process, base_url = start("open", url, args.kafka, prefix, public_pem)
    results: dict[tuple[int, str], Download] = {}
    try:
        wait_healthy(base_url, process)
        asyncio.run(announce(args.kafka, prefix, published(entry, agency, 1, "unconditional")))
        asyncio.run(_wait_known(url, entry))
        token = TokenSigner(private_pem, ttl_seconds=3600).sign(Caller(subject="bench-citizen"), audience="open")
        held = 0
        with RssSampler(process.pid) as sampler:
            for size in sizes:
                asyncio.run(fill(url, entry, held, size - held))
                held = size
                for file_format in FORMATS:
                    results[size, file_format] = download(base_url, token, entry, file_format, size, sampler)
    finally:
        process.terminate()
        process.wait(timeout=30)
        asyncio.run(delete_topics(args.kafka, prefix))

    print("\nopen-svc downloads of one open dataset (10 items), read as they stream")
    columns = ("records", 9), ("first byte ms", 14), ("seconds", 8), ("records/s", 10), ("MB", 7), ("peak RSS MB", 12)
    print(f"  {'':18} " + " ".join(f"{name:>{width}}" for name, width in columns))
    for (size, file_format), d in results.items():
        print(f"  {file_format:18} {size:>9,} {d.first_byte_ms:>14.1f} {d.seconds:>8.2f} "
              f"{size / d.seconds:>10,.0f} {d.size_mb:>7.1f} {d.peak_rss_mb:>12.1f}")  # fmt: skip
    small, large = sizes[0], sizes[-1]
    figures: dict[str, dict[str, Any]] = {}
    for file_format in FORMATS:
        a, b = results[small, file_format], results[large, file_format]
        figures[f"open_download_{file_format}_records_per_s"] = {
            "value": round(large / b.seconds), "unit": "records/s", "baseline": None, "ratio": None}  # fmt: skip
        figures[f"open_download_{file_format}_first_byte_ms"] = ratio_figure(b.first_byte_ms, a.first_byte_ms, "ms")
        figures[f"open_download_{file_format}_peak_rss_mb"] = ratio_figure(b.peak_rss_mb, a.peak_rss_mb, "MB")
    print(f"  largest / smallest ({large:,} / {small:,} records): first byte and peak memory")
    for file_format in FORMATS:
        first = figures[f"open_download_{file_format}_first_byte_ms"]["ratio"]
        rss = figures[f"open_download_{file_format}_peak_rss_mb"]["ratio"]
        print(f"  {file_format:18} first byte × {first}   peak RSS × {rss}")
    write_results(figures)
    print(f"figures written to {RESULTS}")
    return 0


async def _wait_known(url: str, entry: uuid.UUID) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await until(lambda: _known(conn, entry), within=60)
    finally:
        await conn.close()


if __name__ == "__main__":
    sys.exit(main())
