"""The catalogue search benchmark: p50/p99 of Chinese full-text searches over 100,000 published entries.

    .venv/bin/python bench/catalog_search.py --database-url URL     # `make bench` runs it after the gateway bench

It seeds a database of its own (bench_search_catalog) on the given server with 100,000 entries of 1,000 agencies
in a city and three districts — names, summaries and item labels drawn from the words agencies use — once, and
reuses it on later runs. Then it starts catalog-svc on a free port and times, one request at a time over a kept-
alive connection, searches of two-character words (the hard case for Chinese), longer words, several words, and
words with filters, as a reviewer of the city would send them. The figures go to .run/bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.identifiers import credit_code_check_character
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner, generate_keypair
from hub.migrations import ensure_database, upgrade_to_head
from hub.search import bigrams, normalise
from results import write_results

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "catalog-svc" / "catalog_svc" / "migrations"
DATABASE = "bench_search_catalog"
ENTRIES = 100_000
AGENCIES = 1_000
CITY, DISTRICTS = "320200", ("320205", "320206", "320211")
GOAL_P99_MS = 50.0
# The API's page size when a search names none.
DEFAULT_LIMIT = 50

SUBJECTS = ["人口", "法人", "社保", "医保", "公积金", "不动产", "营业执照", "信用", "婚姻", "户籍", "教育",
            "交通", "水务", "气象", "环境", "地理", "规划", "税务", "车辆", "驾驶证", "养老", "救助", "残疾人",
            "退役军人"]  # fmt: skip
KINDS = ["登记", "变更", "注销", "许可", "处罚", "监测", "统计", "档案", "缴纳", "补贴", "证明", "名录"]
ITEM_LABELS = ["统一社会信用代码", "居民身份证号码", "姓名", "名称", "地址", "联系电话", "登记日期", "有效期",
               "金额", "状态", "经办机构", "备注"]  # fmt: skip
QUERIES = [
    {"q": "社保"}, {"q": "户籍"}, {"q": "信用"}, {"q": "地址"}, {"q": "不动产"}, {"q": "营业执照"},
    {"q": "医保 缴纳"}, {"q": "人口 统计"}, {"q": "驾驶证", "category": "department"},
    {"q": "许可", "region": "320205"}, {"q": "公积金", "share_type": "conditional"}, {"q": "登记", "limit": "20"},
]  # fmt: skip


def credit_code(rng: random.Random) -> str:
    first17 = "11" + "320200" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9))
    return first17 + credit_code_check_character(first17)


async def seed(url: str) -> None:
    """The catalogue of 100,000 published entries, unless a previous run left it complete."""
    await ensure_database(url)
    await upgrade_to_head(MIGRATIONS, url)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        if await conn.fetchval("SELECT count(*) FROM entry_versions") == ENTRIES:
            print(f"reusing the seeded catalogue in {DATABASE}")
            return
        await conn.execute("TRUNCATE entry_versions, entries, agencies, regions CASCADE")
        rng = random.Random(13)
        now = datetime.now(UTC)
        regions = [(CITY, "无锡市", "city", None, now), *((d, f"区{d}", "district", CITY, now) for d in DISTRICTS)]
        await conn.copy_records_to_table(
            "regions", columns=["code", "name", "level", "parent_code", "created_at"], records=regions
        )
        agencies = [(uuid.uuid4(), rng.choice((CITY, *DISTRICTS))) for _ in range(AGENCIES)]
        await conn.copy_records_to_table(
            "agencies",
            columns=["id", "credit_code", "name", "kind", "region_code", "duties", "data_unit", "responsible_person",
                     "registered_at"],
            records=[(a, credit_code(rng), f"机构{i}", "administrative_organ", r, "", "数据科", "张三", now)
                     for i, (a, r) in enumerate(agencies)],
        )  # fmt: skip
        entry_rows: list[tuple[Any, ...]] = []
        version_rows: list[tuple[Any, ...]] = []
        for n in range(ENTRIES):
            agency, region = agencies[n % AGENCIES]
            subject, kind = rng.choice(SUBJECTS), rng.choice(KINDS)
            name = f"{subject}{kind}信息{n}"
            summary = (
                f"{subject}{kind}相关数据，由{rng.choice(SUBJECTS)}业务系统归集，{rng.choice(KINDS)}后按周期更新。"
            )
            labels = rng.sample(ITEM_LABELS, 4)
            items = [{"name": f"item_{i}", "label": label, "data_type": "string", "required": i == 0, "key": i == 0}
                     for i, label in enumerate(labels)]  # fmt: skip
            text = normalise(f"{name} {summary} {' '.join(labels)}")
            entry_id, code = uuid.uuid4(), f"01-02/{n:06d}"
            entry_rows.append((entry_id, code, region, agency, 1, 1, False, now))
            version_rows.append((
                entry_id, 1, "published", True, True, code, region, agency, name, summary, "01-02",
                rng.choice(["base", "theme", "department"]), None, "业务系统", "database",
                rng.choice(["unconditional", "conditional"]), "仅用于行政审批", "api", "依据", "not_open", None,
                "涉及个人信息", rng.choice(["daily", "monthly", "yearly"]), "internal", False, [subject], [],
                json.dumps(items, ensure_ascii=False), "{}", text, bigrams(text), "bench", now, now, "bench", now,
                None, now, "[]",
            ))  # fmt: skip
        await conn.copy_records_to_table("entries", columns=["id", "code", "region_code", "provider_agency_id",
            "latest_version", "published_version", "retired", "created_at"], records=entry_rows)  # fmt: skip
        await conn.copy_records_to_table(
            "entry_versions",
            columns=["entry_id", "version", "state", "is_latest", "is_published_current", "code", "region_code",
                     "provider_agency_id", "name", "summary", "classification", "category", "base_database",
                     "source_system", "format", "share_type", "share_conditions", "share_method", "share_legal_basis",
                     "open_type", "open_conditions", "open_legal_basis", "update_cycle", "secrecy",
                     "consent_required", "tags", "related_codes", "items", "item_sources", "search_text", "bigrams",
                     "created_by", "created_at", "submitted_at", "reviewed_by", "reviewed_at", "return_reasons",
                     "published_at", "source_conflicts"],
            records=version_rows,
        )  # fmt: skip
        # Vacuumed as autovacuum would have left a catalogue in service: the bigram index's pending list merged, the
        # visibility map and hint bits set. Else the searches measured do that work, or autovacuum does it beside
        # them (fresh seeds, alternately: p99 38–44 ms with ANALYZE alone, 24–28 ms vacuumed; bench/README.md).
        await conn.execute("VACUUM (ANALYZE)")
        print(f"seeded {ENTRIES} entries of {AGENCIES} agencies")
    finally:
        await conn.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def check_full_page(params: dict[str, str], page: dict[str, Any]) -> None:
    """Each search is answered with a full page and the count of its matches: the items asked for (fewer only when
    fewer match), and `total` counted by the API (up to its cap, `total_exact` saying whether it was reached)."""
    limit = int(params.get("limit", DEFAULT_LIMIT))
    if page["total"] < limit or len(page["items"]) != limit:
        raise RuntimeError(f"{params}: expected a full page of {limit} and its count, got {len(page['items'])} "
                           f"items of {page['total']}")  # fmt: skip


async def measure(base_url: str, token: str, rounds: int) -> tuple[list[float], int, int]:
    """Latencies (ms) of `rounds` passes over the query mix, after one warm-up pass; the matches counted, and how
    many searches had more matches than the API counts (`total_exact` false)."""
    latencies: list[float] = []
    found = capped = 0
    headers = {INTERNAL_TOKEN_HEADER: token}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as client:
        for n in range(rounds + 1):
            for params in QUERIES:
                started = time.perf_counter()
                response = await client.get("/catalogue", params=params)
                elapsed = (time.perf_counter() - started) * 1000
                response.raise_for_status()
                page = response.json()
                check_full_page(params, page)
                if n:
                    latencies.append(elapsed)
                    found += page["total"]
                    capped += not page["total_exact"]
    return latencies, found, capped


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--rounds", type=int, default=25, help="passes over the query mix")
    args = parser.parse_args()
    url = make_url(args.database_url).set(database=DATABASE).render_as_string(hide_password=False)
    asyncio.run(seed(url))

    private_pem, public_pem = generate_keypair()
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([public_pem]),
           "KAFKA_BOOTSTRAP_SERVERS": os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092"),
           "OTEL_TRACES_EXPORTER": "none", "LOG_LEVEL": "WARNING"}  # fmt: skip
    service = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "uvicorn", "catalog_svc.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=REPO,
    )  # fmt: skip
    try:
        base_url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        caller = Caller(subject="bench-reviewer", kind="operator", roles=("reviewer",), region_code=CITY)
        token = TokenSigner(private_pem, ttl_seconds=3600).sign(caller, audience="catalog")
        latencies, found, capped = asyncio.run(measure(base_url, token, args.rounds))
    finally:
        service.terminate()
        service.wait(timeout=30)

    p50, p99 = percentile(latencies, 50), percentile(latencies, 99)
    print(f"\ncatalogue search over {ENTRIES:,} published entries ({len(latencies)} searches, each a full page with "
          f"its count: {found:,} matches counted, {capped} searches past the count's cap)")  # fmt: skip
    print(f"  p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   mean {statistics.fmean(latencies):.2f} ms   "
          f"(goal p99 ≤ {GOAL_P99_MS:.0f} ms: {'met' if p99 <= GOAL_P99_MS else 'NOT met'})")  # fmt: skip
    write_results({
        "catalog_search_p50_ms": {"value": round(p50, 2), "unit": "ms", "baseline": GOAL_P99_MS,
                                  "ratio": round(p50 / GOAL_P99_MS, 3)},
        "catalog_search_p99_ms": {"value": round(p99, 2), "unit": "ms", "baseline": GOAL_P99_MS,
                                  "ratio": round(p99 / GOAL_P99_MS, 3)},
    })  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
