"""The big data centre's ingest benchmark: records/s of a file pushed the way ingest jobs push it — the hub-client
command line, through the gateway, to aggregation-svc (A12.1) — beside a raw PostgreSQL COPY of the same rows.

    .venv/bin/python bench/aggregation_ingest.py --database-url URL --kafka BOOTSTRAP [--records 1000000] [--open-entry]

It starts a hub of its own as bench/gateway_read.py does (services/run.py; ports shifted by 2000, databases
bench_ingest_*, topics bench-ingest.*, state in .run/bench/ingest-hub), registers an agency, its agency system, an
ingest job client of it and a reviewer through the gateway, and publishes one 10-item entry through the catalogue
(the centre learns it from catalog.events). It writes two NDJSON files, of N/10 and N records (keys of the second
following the first, so both only insert), and runs `hub-client ingest --entry ID FILE` on each, with the ingest job's
client credentials: batches of the client's default size with deterministic ids, each an authenticated, authorised,
audited `POST /api/aggregation/entries/{id}/batches/{batch_id}`, validated row by row by the centre. While each runs,
it samples the resident memory (VmRSS) of the hub-client process, the gateway and aggregation-svc and keeps each
peak. It COPYs the same N rows, in the records table's shape, into a copy of that table (same keys and indexes)
in the centre's database with asyncpg, once before the pushes and once after them: the baseline is the mean of the
two (generation included, as the push includes reading the file), so that a drift in the machine's load during the
run weighs on both sides alike. Each timed phase starts settled: what the phase before it loaded vacuumed and
analysed, and a checkpoint taken, so that no phase pays for the autovacuum or the checkpoint of another (the
baseline once ran 17 to 26 s on the same machine without this). The figures go to .run/bench/results.json.

With --open-entry the entry is open data (open type unconditional, A22.1), so every batch also notes its records
for the open-records changelog in its transaction, and the centre's relay publishes them to Kafka while the next
batch is pushed (aggregation_svc.changelog): the price of the changelog, as `aggregation_ingest_open_entry_*`
figures. The script then waits until the relay has published everything and reports how long after the large
file's last answer that took.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from gateway_read import credit_code, drop_databases
from processes import cpu_seconds
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.mesh import load_mesh
from results import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(os.environ.get("RUN_DIR", REPO / ".run")) / "bench"
HUB_DIR = BENCH_DIR / "ingest-hub"
FILES_DIR = BENCH_DIR / "ingest-files"
HUB_CLIENT = Path(sys.executable).with_name("hub-client")
DATABASE_PREFIX = "bench_ingest_"
TOPIC_PREFIX = "bench-ingest."
CITY = "320200"
GOAL_RATIO = 0.5
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


def ndjson_lines(first: int, count: int) -> Iterator[bytes]:
    """Records first … first+count-1 as NDJSON, a thousand lines a piece."""
    for start in range(first, first + count, LINES_PER_CHUNK):
        end = min(start + LINES_PER_CHUNK, first + count)
        yield "".join(json.dumps(record(n), ensure_ascii=False) + "\n" for n in range(start, end)).encode()


async def ndjson(first: int, count: int) -> AsyncIterator[bytes]:
    """The same, as a streamed request body (bench/open_replica_lag.py pushes straight to the centre with it)."""
    for piece in ndjson_lines(first, count):
        yield piece


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base_url: str, service: subprocess.Popen[bytes]) -> None:
    """Until the service started as `service` answers /healthz (30 s at most)."""
    for _ in range(150):
        if service.poll() is not None:
            raise RuntimeError(f"the service exited with {service.returncode}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the service did not answer /healthz in 30 s")


class RssSampler:
    """Samples a process's VmRSS from /proc every 50 ms; `peak()` is the highest since the last `reset()`.

    VmHWM (the kernel's own peak) cannot be reset from outside, so each phase's peak is sampled instead.
    """

    def __init__(self, pid: int) -> None:
        self.pid, self._peak_kb, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def rss_kb(self) -> int:
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
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
        """User + system CPU the process has used so far: how much of a push is the process's own work."""
        return cpu_seconds([self.pid])


# --- the benchmark's own hub ---------------------------------------------------------------------------------------


def hub_env() -> dict[str, str]:
    return {**os.environ, "RUN_DIR": str(HUB_DIR), "KAFKA_TOPIC_PREFIX": TOPIC_PREFIX}


def run_py(*args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and runner
        [sys.executable, str(REPO / "services" / "run.py"), *args], env=hub_env(), check=True, cwd=REPO
    )


@contextlib.contextmanager
def bench_hub(database_url: str, kafka: str, port_offset: int) -> Iterator[str]:
    """A fresh hub of the benchmark's own (its databases dropped first); its gateway's URL. Stopped on exit."""
    mesh = load_mesh()
    run_py("down")
    names = [DATABASE_PREFIX + service.database for service in mesh.services.values()]
    asyncio.run(drop_databases(database_url, names))
    try:
        run_py(
            "up", "--port-offset", str(port_offset), "--database-prefix", DATABASE_PREFIX,
            "--database-url", database_url, "--kafka", kafka,
        )  # fmt: skip
        yield f"http://127.0.0.1:{mesh.service('gateway').port + port_offset}"
    finally:
        run_py("down")


def hub_pid(service: str) -> int:
    return int((HUB_DIR / "pids" / f"{service}.pid").read_text())


def centre_database_url(server_url: str) -> str:
    name = DATABASE_PREFIX + load_mesh().service("aggregation").database
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


# --- registering the agency, its clients and its entry, through the gateway ----------------------------------------


def _ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text[:2000]}")  # fmt: skip
    return response.json()


def _until(check: Any, what: str, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while not (found := check()):
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.2)
    return found


def _bearer(client: httpx.Client, form: dict[str, str]) -> dict[str, str]:
    return {"authorization": f"Bearer {_ok(client.post('/auth/token', data=form))['access_token']}"}


@dataclass(frozen=True)
class Credentials:
    login: str
    secret: str


def _register(client: httpx.Client, admin: dict[str, str], kind: str, role: str, agency_id: str | None) -> Credentials:
    """A client of the hub; an agency's once the gateway has learned the agency (catalog.events)."""
    login = f"bench-{secrets.token_hex(4)}"
    body: dict[str, Any] = {"kind": kind, "login": login, "display_name": login, "roles": [role],
                            "region_code": CITY, "agency_id": agency_id}  # fmt: skip
    if kind == "operator":
        body["password"] = secrets.token_hex(16)

    def registered() -> dict[str, Any] | None:
        response = client.post("/admin/clients", json=body, headers=admin)
        return None if response.status_code == 422 else _ok(response, 201)

    created = _until(registered, f"the gateway to learn agency {agency_id}")
    return Credentials(login, body.get("password") or created["client_secret"])


def _client_token(client: httpx.Client, credentials: Credentials) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": credentials.login, "client_secret": credentials.secret}
    return _bearer(client, form)


def set_up(gateway_url: str, open_type: str) -> tuple[str, Credentials]:
    """A published 10-item entry of a new agency, known to the centre; the agency's ingest job's credentials."""
    password = (HUB_DIR / "keys" / "admin-password").read_text().strip()
    with httpx.Client(base_url=gateway_url, timeout=60.0) as client:
        admin = _bearer(client, {"grant_type": "password", "username": "admin", "password": password})
        city = client.post(
            "/api/catalog/regions", headers=admin, json={"code": CITY, "name": "无锡市", "level": "city"}
        )
        if city.status_code not in (201, 409):
            raise RuntimeError(f"adding region {CITY}: {city.status_code} {city.text}")
        agency = {"credit_code": credit_code(), "name": "无锡市基准数据局", "kind": "administrative_organ",
                  "region_code": CITY, "data_unit": "大数据科", "responsible_person": "张三"}  # fmt: skip
        agency_id = str(_ok(client.post("/api/catalog/agencies", json=agency, headers=admin), 201)["id"])
        system = _client_token(client, _register(client, admin, "agency_system", "agency_system", agency_id))
        job = _register(client, admin, "ingest_job", "ingest_job", agency_id)
        reviewer = _register(client, admin, "operator", "reviewer", None)
        reviewer_token = _bearer(client, {"grant_type": "password", "username": reviewer.login,
                                          "password": reviewer.secret})  # fmt: skip
        items = [{k: v for k, v in item.items() if k != "sensitivity"} for item in declared_items()]
        entry = {"code": f"01-02/{secrets.randbelow(10**6):06d}", "region_code": CITY, "provider_agency_id": agency_id,
                 "name": "基准测试人口信息", "summary": "基准测试用的人口信息。", "classification": "01-02",
                 "category": "theme", "source_system": "基准系统", "format": "database",
                 "share_type": "unconditional", "share_method": "api", "open_type": open_type,
                 "open_legal_basis": "《基准法》", "update_cycle": "daily", "items": items}  # fmt: skip
        entry_id = str(_ok(client.post("/api/catalog/entries", json=entry, headers=system), 201)["id"])
        _ok(client.post(f"/api/catalog/entries/{entry_id}/submit", headers=system))
        _ok(client.post(f"/api/catalog/entries/{entry_id}/approve", headers=reviewer_token))
        job_token = _client_token(client, job)
        _until(lambda: client.get(f"/api/aggregation/entries/{entry_id}", headers=job_token).status_code == 200,
               "the centre to learn the published entry")  # fmt: skip
    return entry_id, job


# --- the measurement -----------------------------------------------------------------------------------------------


def write_file(path: Path, first: int, count: int) -> None:
    """An NDJSON file of records first … first+count-1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        for piece in ndjson_lines(first, count):
            file.write(piece)


@dataclass(frozen=True)
class Push:
    """One file pushed by hub-client: how long it took, and each process's peak RSS and CPU meanwhile."""

    records: int
    seconds: float
    peak_rss_mb: dict[str, float]
    cpu_seconds: dict[str, float]

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def push_file(gateway_url: str, entry_id: str, job: Credentials, path: Path, records: int) -> Push:
    """`hub-client ingest --entry ID FILE` as an ingest job runs it, its RSS and the hub's sampled meanwhile."""
    work = path.with_suffix("")
    for leftover in (work.with_suffix(".errors.jsonl"), work.with_suffix(".state.jsonl")):
        leftover.unlink(missing_ok=True)  # a fresh job, not a resumed one
    env = {**os.environ, "HUB_GATEWAY_URL": gateway_url, "HUB_CLIENT_ID": job.login, "HUB_CLIENT_SECRET": job.secret}
    hub = {"gateway": RssSampler(hub_pid("gateway")), "aggregation-svc": RssSampler(hub_pid("aggregation"))}
    with contextlib.ExitStack() as stack:
        for sampler in hub.values():
            stack.enter_context(sampler).reset()
        cpu = {name: sampler.cpu_seconds() for name, sampler in hub.items()}
        started = time.perf_counter()
        client = subprocess.Popen(  # noqa: S603 - the repository's own command line
            [str(HUB_CLIENT), "ingest", "--entry", entry_id, str(path), "--quiet",
             "--errors", str(work.with_suffix(".errors.jsonl")), "--state", str(work.with_suffix(".state.jsonl"))],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        samplers = {"hub-client": stack.enter_context(RssSampler(client.pid)), **hub}
        client_cpu = 0.0
        while client.poll() is None:
            client_cpu = samplers["hub-client"].cpu_seconds() or client_cpu
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        out, err = client.communicate()
        if client.returncode != 0:
            raise RuntimeError(f"hub-client exited with {client.returncode}: {err.decode()[-2000:]}")
        summary = json.loads(out)
        if summary["stored"] != records or summary["quarantined"] or summary["rejected"]:
            raise RuntimeError(f"{path.name}: expected {records} stored, none quarantined; got {summary}")
        peaks = {name: sampler.peak_mb() for name, sampler in samplers.items()}
        used = {"hub-client": client_cpu, **{name: hub[name].cpu_seconds() - cpu[name] for name in hub}}
    return Push(records, seconds, peaks, used)


def copy_rows(entry: str, agency: Any, count: int) -> Iterator[tuple[Any, ...]]:
    """The same records, in the records table's shape: key, typed JSON data, pusher, batch, times."""
    now = datetime.now(UTC)
    for n in range(count):
        data = record(n)
        yield (entry, json.dumps([data["id_number"]]), json.dumps(data, ensure_ascii=False), None, agency,
               "bench-copy", 1, now, now)  # fmt: skip


async def settle(url: str) -> None:
    """The centre's database at rest before a timed phase: the tables loads fill vacuumed and analysed (else
    autovacuum works on them during the next phase) and a checkpoint taken (else the next phase writes it)."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute("VACUUM (ANALYZE) records, record_history")
        await conn.execute("CHECKPOINT")
    finally:
        await conn.close()


async def copy_baseline(url: str, entry_id: str, count: int) -> float:
    """Seconds to COPY `count` rows into a table like `records` (same keys, indexes), generation included; the
    table is dropped again, so that it weighs on no other phase."""
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        agency = await conn.fetchval("SELECT provider_agency_id FROM published_entries WHERE entry_id = $1", entry_id)
        await conn.execute("DROP TABLE IF EXISTS copy_baseline")
        await conn.execute("CREATE TABLE copy_baseline (LIKE records INCLUDING ALL)")
        await conn.execute("CHECKPOINT")
        started = time.perf_counter()
        await conn.copy_records_to_table(
            "copy_baseline",
            columns=["entry_id", "key", "data", "consent_id", "agency_id", "batch_id", "version", "created_at",
                     "updated_at"],
            records=copy_rows(entry_id, agency, count),
        )  # fmt: skip
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE copy_baseline")
        return seconds
    finally:
        await conn.close()


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


# --- figures -------------------------------------------------------------------------------------------------------

PROCESSES = ("hub-client", "gateway", "aggregation-svc")


def figure(value: float, unit: str, baseline: float, digits: int = 1) -> dict[str, Any]:
    return {"value": round(value, digits), "unit": unit, "baseline": round(baseline, digits),
            "ratio": round(value / baseline, 3) if baseline else None}  # fmt: skip


def report(small: Push, large: Push, copies: tuple[float, float], open_entry: bool) -> dict[str, dict[str, Any]]:
    """Print the table beside the goals; the figures for results.json."""
    copy_seconds = sum(copies) / len(copies)
    copy_rate = large.records / copy_seconds
    ratio = large.rate / copy_rate
    kind = "one open 10-item entry (records to the changelog)" if open_entry else "one 10-item entry"
    print(f"\naggregation ingest through the gateway: {kind}, NDJSON files pushed by `hub-client ingest`")
    print(f"  {'':26} {'records':>10} {'seconds':>8} {'records/s':>10}   peak RSS MB / CPU s: "
          + "  ".join(f"{name:>15}" for name in PROCESSES))  # fmt: skip
    for label, push in (("hub-client (small file)", small), ("hub-client (large file)", large)):
        usage = "  ".join(f"{push.peak_rss_mb[p]:>7.1f} /{push.cpu_seconds[p]:>6.1f}" for p in PROCESSES)
        print(f"  {label:26} {push.records:>10,} {push.seconds:>8.1f} {push.rate:>10,.0f}   {'':20}{usage}")
    before, after = copies
    print(f"  {'COPY into a records copy':26} {large.records:>10,} {copy_seconds:>8.1f} {copy_rate:>10,.0f}   "
          f"mean of {before:.1f} s before the pushes and {after:.1f} s after them")  # fmt: skip
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(f"  through the gateway ÷ COPY = {ratio:.2f} (goal ≥ {GOAL_RATIO}: {verdict})")
    flat = {p: large.peak_rss_mb[p] / small.peak_rss_mb[p] for p in PROCESSES}
    print("  peak RSS large ÷ small file (flat ≈ 1): " + ", ".join(f"{p} {flat[p]:.2f}" for p in PROCESSES))
    if open_entry:
        return {"aggregation_ingest_open_entry_records_per_s": figure(large.rate, "records/s", copy_rate, 0)}
    figures = {
        "ingest_gateway_records_per_s": figure(large.rate, "records/s", copy_rate, 0),
        "ingest_gateway_vs_copy": {"value": round(ratio, 3), "unit": "ratio", "baseline": GOAL_RATIO,
                                   "ratio": round(ratio / GOAL_RATIO, 3)},
        "ingest_copy_records_per_s": figure(copy_rate, "records/s", copy_rate, 0),
    }  # fmt: skip
    # Flat memory: the most any of the three grew from the small file to the large one.
    growth = max(flat.values())
    figures["ingest_gateway_peak_rss_growth"] = {"value": round(growth, 3), "unit": "ratio", "baseline": 1.0,
                                                 "ratio": round(growth, 3)}  # fmt: skip
    for process in PROCESSES:
        name = process.replace("-", "_")
        figures[f"ingest_gateway_peak_rss_{name}_small_mb"] = figure(
            small.peak_rss_mb[process], "MB", small.peak_rss_mb[process]
        )
        figures[f"ingest_gateway_peak_rss_{name}_large_mb"] = figure(
            large.peak_rss_mb[process], "MB", small.peak_rss_mb[process]
        )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:59092"))
    parser.add_argument("--records", type=int, default=1_000_000, help="records of the large file (small: 1/10)")
    parser.add_argument("--port-offset", type=int, default=2000, help="the benchmark hub's ports: the mesh's + this")
    parser.add_argument("--open-entry", action="store_true", help="an open entry: its records go to the changelog")
    args = parser.parse_args()
    if args.records < 10:
        parser.error("--records must be at least 10")
    small_file, large_file = FILES_DIR / "small.ndjson", FILES_DIR / "large.ndjson"
    write_file(small_file, 0, args.records // 10)
    write_file(large_file, args.records // 10, args.records)  # keys after the small file's: both only insert
    centre = centre_database_url(args.database_url)
    with bench_hub(args.database_url, args.kafka, args.port_offset) as gateway_url:
        entry_id, job = set_up(gateway_url, "unconditional" if args.open_entry else "not_open")
        copy_before = asyncio.run(copy_baseline(centre, entry_id, args.records))
        asyncio.run(settle(centre))
        small = push_file(gateway_url, entry_id, job, small_file, args.records // 10)
        asyncio.run(settle(centre))
        large = push_file(gateway_url, entry_id, job, large_file, args.records)
        drained = asyncio.run(changelog_drained(centre)) if args.open_entry else None
        asyncio.run(settle(centre))
        copy_after = asyncio.run(copy_baseline(centre, entry_id, args.records))
    shutil.rmtree(FILES_DIR)  # the files, and the jobs' state and (empty) errors files
    figures = report(small, large, (copy_before, copy_after), args.open_entry)
    if drained is not None:
        print(f"  changelog: every record published {drained:.1f} s after the large file's last answer")
        figures["aggregation_changelog_published_after_large_batch_s"] = figure(drained, "s", large.seconds)
    write_results(figures)
    print(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
