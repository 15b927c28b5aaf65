"""The gateway benchmark: an authenticated, authorised, audited read through the gateway, set against the same read
straight to the upstream service, through nginx as a plain reverse proxy and through the smallest proxy Python can
make (bench/bare_proxy.py) — one run, one machine, loopback only.

    .venv/bin/python bench/gateway_read.py --database-url URL --kafka BOOTSTRAP     # `make bench` does this

It starts a hub of its own (ports shifted by 2000, databases bench_hub_*, topics bench.*, state in .run/bench/hub),
so it runs beside `make up`'s hub on the same PostgreSQL and Kafka without sharing data, and stops it at the end
whatever happens. The figures go to .run/bench/results.json; see bench/README.md for how to read them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from string import Template
from typing import Any, NoReturn

import asyncpg
import httpx
from processes import cpu_seconds
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.identifiers import credit_code_check_character
from hub.internal_token import HEADER as INTERNAL_TOKEN_HEADER
from hub.internal_token import Caller, TokenSigner
from hub.mesh import load_mesh
from results import RESULTS, write_results

REPO = Path(__file__).resolve().parents[1]
BENCH_DIR = Path(os.environ.get("RUN_DIR", REPO / ".run")) / "bench"
HUB_DIR = BENCH_DIR / "hub"
NGINX_DIR = BENCH_DIR / "nginx"
NGINX_TEMPLATE = Path(__file__).with_name("nginx.conf.template")
BARE_PROXY_DIR = BENCH_DIR / "bare-proxy"

# BENCH_NAME renames the hub's databases and topics, so two benchmarks can share one PostgreSQL and Kafka.
BENCH_NAME = os.environ.get("BENCH_NAME", "bench")
DATABASE_PREFIX = f"{BENCH_NAME}_"
TOPIC_PREFIX = f"{BENCH_NAME}."
CITY = "320200"
# Far above any load wrk can offer here: the limiter still counts every request, it just never refuses one.
RATE_LIMITS = {
    kind: "1000000/second"
    for kind in ("anonymous", "portal_user", "agency_system", "ingest_job", "agency_person", "operator")
}

# The goals of issue 14, as ratios within one run (absolute times only as context).
GOAL_GATEWAY_CPU_MS = 1.0  # the gateway's CPU per proxied read
GOAL_VS_NGINX = 0.8  # gateway throughput ÷ the same reads through nginx
GOAL_ADDED_P50_MS = 1.5  # latency the gateway adds to a read at one connection
GOAL_ADDED_P99_MS = 5.0
GOAL_SERVICE_CPU_RATIO = 1.0  # catalog-svc's CPU per read behind the gateway ÷ direct


# --- wrk ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WrkResult:
    """What one wrk run measured."""

    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: int
    # CPU time each watched process spent per completed request, in ms.
    cpu_ms: dict[str, float] = field(default_factory=dict)


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, the 50% and 99% latencies (in ms), and the failures, from `wrk --latency` output."""

    def find(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise ValueError(f"wrk output has no match for {pattern!r}:\n{output}")
        return match

    def latency(percentile: str) -> float:
        match = find(rf"^\s*{percentile}(?:\.0+)?%\s+([\d.]+)(us|ms|s|m)\s*$")
        return float(match.group(1)) * _UNITS_MS[match.group(2)]

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return WrkResult(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)").group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(find(r"^\s*(\d+) requests in ").group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run_wrk(
    url: str,
    headers: dict[str, str],
    *,
    threads: int,
    connections: int,
    seconds: float,
    watch: Mapping[str, Sequence[int]] | None = None,
) -> WrkResult:
    """One wrk run; with `watch` ({name: pids}), also the CPU those processes spent per request."""
    watch = watch or {}
    before = {name: cpu_seconds(pids) for name, pids in watch.items()}
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    done = subprocess.run(  # noqa: S603 - wrk with our own arguments
        [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    spent = {name: cpu_seconds(pids) - before[name] for name, pids in watch.items()}
    result = parse_wrk(done.stdout)
    if result.requests:
        result = replace(result, cpu_ms={name: 1000 * cpu / result.requests for name, cpu in spent.items()})
    if result.non_2xx or result.socket_errors:
        # A refused or failed request is not a read: figures that count them would flatter whoever refused.
        raise RuntimeError(
            f"wrk against {url}: {result.non_2xx} non-2xx answers, {result.socket_errors} socket errors:\n{done.stdout}"
        )
    return result


# --- vegeta: reads at an even rate ------------------------------------------------------------------------------


def vegeta_binary() -> str:
    """vegeta, which `make bench` builds into .tools/bin from its Go module."""
    found = shutil.which("vegeta") or str(REPO / ".tools" / "bin" / "vegeta")
    if not Path(found).is_file():
        raise SystemExit("vegeta is not installed (`make bench` builds it with Go)")
    return found


def run_paced(
    url: str, headers: dict[str, str], *, rate: int, seconds: float, watch: Mapping[str, Sequence[int]]
) -> WrkResult:
    """Reads at an even `rate` a second for `seconds` (vegeta's constant-rate attack, which wrk cannot do: its
    scripts' delays send in bursts), with the CPU the watched processes spent per read."""
    target = f"GET {url}\n" + "".join(f"{name}: {value}\n" for name, value in headers.items())
    before = {name: cpu_seconds(pids) for name, pids in watch.items()}
    attack = subprocess.run(  # noqa: S603 - vegeta with our own arguments
        [vegeta_binary(), "attack", f"-rate={rate}/1s", f"-duration={seconds:g}s", "-timeout=10s"],
        input=target.encode(), capture_output=True, check=True, timeout=seconds + 60,
    )  # fmt: skip
    spent = {name: cpu_seconds(pids) - before[name] for name, pids in watch.items()}
    report = subprocess.run(  # noqa: S603
        [vegeta_binary(), "report", "-type=json"], input=attack.stdout, capture_output=True, check=True, timeout=60
    )
    summary = json.loads(report.stdout)
    requests = int(summary["requests"])
    failed = requests - int(summary["status_codes"].get("200", 0))
    if failed or summary.get("errors"):
        raise RuntimeError(f"vegeta against {url}: {failed} reads not answered 200: {summary.get('errors')}")
    return WrkResult(
        requests_per_second=float(summary["throughput"]),
        p50_ms=summary["latencies"]["50th"] / 1e6,
        p99_ms=summary["latencies"]["99th"] / 1e6,
        requests=requests,
        non_2xx=0,
        socket_errors=0,
        cpu_ms={name: 1000 * cpu / requests for name, cpu in spent.items()},
    )


# --- the benchmark's own hub ---------------------------------------------------------------------------------------


def hub_env() -> dict[str, str]:
    return {
        **os.environ,
        "RUN_DIR": str(HUB_DIR),
        "KAFKA_TOPIC_PREFIX": TOPIC_PREFIX,
        "HUB_RATE_LIMITS": json.dumps(RATE_LIMITS),
    }


def run_py(*args: str) -> None:
    subprocess.run(  # noqa: S603 - our own interpreter and runner
        [sys.executable, str(REPO / "services" / "run.py"), *args], env=hub_env(), check=True, cwd=REPO
    )


async def drop_databases(server_url: str, names: Sequence[str]) -> None:
    """A fresh hub each run: the audit chain (verified in full at the end) does not grow from run to run."""
    url = make_url(server_url).set(database="postgres").render_as_string(hide_password=False)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def port_is_free(port: int) -> bool:
    """Whether nothing listens on the port (connections of a stopped server lingering in TIME_WAIT don't count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- nginx ---------------------------------------------------------------------------------------------------------


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx-light; `make bench` does it)")
    return found


@contextlib.contextmanager
def nginx_proxy(upstream_port: int) -> Iterator[int]:
    """nginx as a plain keep-alive reverse proxy to the upstream on a free port; stopped (`-s quit`) on exit."""
    binary = nginx_binary()
    (NGINX_DIR / "temp").mkdir(parents=True, exist_ok=True)
    port = free_port()
    conf = NGINX_DIR / "nginx.conf"
    conf.write_text(
        Template(NGINX_TEMPLATE.read_text()).substitute(prefix=NGINX_DIR, upstream_port=upstream_port, listen_port=port)
    )
    pid_file = NGINX_DIR / "nginx.pid"
    control = [binary, "-p", str(NGINX_DIR), "-c", str(conf), "-e", str(NGINX_DIR / "error.log")]
    if pid_file.exists():  # the leftover of an interrupted run
        subprocess.run([*control, "-s", "stop"], check=False, capture_output=True)  # noqa: S603
        wait_gone(pid_file, 10)
    subprocess.run(control, check=True)  # noqa: S603 - nginx with our own configuration
    try:
        deadline = time.monotonic() + 10
        while not pid_file.exists() or port_is_free(port):
            if time.monotonic() > deadline:
                raise RuntimeError(f"nginx did not listen on {port}; see {NGINX_DIR / 'error.log'}")
            time.sleep(0.05)
        yield port
    finally:
        subprocess.run([*control, "-s", "quit"], check=False)  # noqa: S603
        wait_gone(pid_file, 15)


# --- the bare Python proxy -----------------------------------------------------------------------------------------


@contextlib.contextmanager
def bare_proxy(upstream_port: int) -> Iterator[tuple[int, int]]:
    """bench/bare_proxy.py under uvicorn, as the services run, on a free port: (its port, its pid); stopped on exit."""
    BARE_PROXY_DIR.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable, "-m", "uvicorn", "bare_proxy:app", "--app-dir", str(Path(__file__).parent),
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--no-proxy-headers",
    ]  # fmt: skip
    env = {**os.environ, "BARE_PROXY_UPSTREAM": f"http://127.0.0.1:{upstream_port}"}
    with (BARE_PROXY_DIR / "log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own
    pid_file = BARE_PROXY_DIR / "pid"  # for server_pids
    pid_file.write_text(str(process.pid))
    try:
        deadline = time.monotonic() + 30
        while port_is_free(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bare Python proxy did not listen on {port}; see {BARE_PROXY_DIR / 'log'}")
            time.sleep(0.05)
        yield port, process.pid
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        pid_file.unlink(missing_ok=True)


def with_children(pid: int) -> list[int]:
    """The process and its children (nginx's workers, PostgreSQL's backends)."""
    return [pid, *(int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]


def nginx_pids() -> list[int]:
    """nginx's master and its workers."""
    return with_children(int((NGINX_DIR / "nginx.pid").read_text()))


def hub_pid(service: str) -> int:
    return int((HUB_DIR / "pids" / f"{service}.pid").read_text())


def wait_gone(pid_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


# --- the read being measured ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    label: str
    url: str
    headers: dict[str, str]


def bearer(client: httpx.Client, form: dict[str, str]) -> str:
    response = client.post("/auth/token", data=form)
    response.raise_for_status()
    return f"Bearer {response.json()['access_token']}"


def credit_code() -> str:
    """A valid unified social credit code of the city, unique enough for one benchmark hub."""
    first17 = f"11{CITY}MB" + "".join(secrets.choice("0123456789") for _ in range(7))
    return first17 + credit_code_check_character(first17)


@dataclass(frozen=True)
class Setup:
    agency_id: str
    client_id: str
    login: str
    secret: str


def add_city(client: httpx.Client, admin: str) -> None:
    """The city in catalog-svc's region tree (agencies belong to a region of it), unless it is there already."""
    city = {"code": CITY, "name": "无锡市", "level": "city"}
    answer = client.post("/api/catalog/regions", headers={"authorization": admin}, json=city)
    if answer.status_code not in (201, 409):
        raise RuntimeError(f"adding region {CITY}: {answer.status_code} {answer.text}")


def set_up(gateway_url: str) -> Setup:
    """One agency and one agency system of it, registered through the gateway as an administrator would."""
    admin = admin_token(gateway_url)
    with httpx.Client(base_url=gateway_url, timeout=30.0) as client:
        add_city(client, admin)
        agency = client.post(
            "/api/catalog/agencies",
            headers={"authorization": admin},
            json={
                "credit_code": credit_code(),
                "name": "无锡市基准测试局",
                "kind": "administrative_organ",
                "region_code": CITY,
                "data_unit": "大数据科",
                "responsible_person": "张三",
            },
        )
        if agency.status_code != 201:
            raise RuntimeError(f"registering the agency: {agency.status_code} {agency.text}")
        agency_id = agency.json()["id"]
        login = f"bench-{secrets.token_hex(4)}"
        # The gateway learns the agency from catalog.events, a moment after the catalogue answered (A2.1, A4.1).
        deadline = time.monotonic() + 30
        while True:
            created = client.post(
                "/admin/clients",
                headers={"authorization": admin},
                json={
                    "kind": "agency_system",
                    "login": login,
                    "display_name": "benchmark agency system",
                    "roles": ["agency_system"],
                    "agency_id": agency_id,
                    "region_code": CITY,
                },
            )
            if created.status_code != 422 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        if created.status_code != 201:
            raise RuntimeError(f"registering the client: {created.status_code} {created.text}")
        body = created.json()
    return Setup(agency_id, body["id"], login, body["client_secret"])


def agency_token(gateway_url: str, setup: Setup) -> str:
    """A fresh access token of the agency system (they last 15 minutes)."""
    with httpx.Client(base_url=gateway_url, timeout=30.0) as client:
        form = {"grant_type": "client_credentials", "client_id": setup.login, "client_secret": setup.secret}
        return bearer(client, form)


def internal_token(setup: Setup) -> str:
    """The token the gateway would sign for this caller, for the calls that bypass it."""
    signer = TokenSigner((HUB_DIR / "keys" / "internal-token.pem").read_text(), ttl_seconds=3600)
    caller = Caller(
        subject=setup.client_id,
        kind="agency_system",
        roles=("agency_system",),
        agency_id=setup.agency_id,
        region_code=CITY,
    )
    return signer.sign(caller, audience="catalog")


def check_same_answer(targets: Sequence[Target]) -> None:
    """Each way answers 200 with the same body, so all of them measure the same read."""
    bodies = {}
    with httpx.Client(timeout=30.0) as client:
        for target in targets:
            response = client.get(target.url, headers=target.headers)
            if response.status_code != 200:
                raise RuntimeError(f"{target.label}: {response.status_code} {response.text}")
            bodies[target.name] = response.json()
    first = next(iter(bodies.values()))
    for name, body in bodies.items():
        if body != first:
            raise RuntimeError(f"{name} answered {body}, not {first}")


def audit_records_total(gateway_url: str) -> float:
    """The gateway's hub_audit_records_total counter (records committed to the audit chain)."""
    text = httpx.get(f"{gateway_url}/metrics", timeout=30.0).text
    match = re.search(r"^hub_audit_records_total\s+([\d.e+]+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def admin_token(gateway_url: str) -> str:
    """A fresh access token of the bootstrapped administrator (also the hub's inspector)."""
    password = (HUB_DIR / "keys" / "admin-password").read_text().strip()
    with httpx.Client(base_url=gateway_url, timeout=30.0) as client:
        return bearer(client, {"grant_type": "password", "username": "admin", "password": password})


def verify_audit(gateway_url: str) -> dict[str, Any]:
    """GET /admin/audit/verify: flushes the audit queue, then recomputes the whole chain."""
    admin = admin_token(gateway_url)
    response = httpx.get(f"{gateway_url}/admin/audit/verify", headers={"authorization": admin}, timeout=600.0)
    response.raise_for_status()
    verdict: dict[str, Any] = response.json()
    return verdict


# --- figures -------------------------------------------------------------------------------------------------------


def figure(value: float, unit: str, baseline: float, digits: int = 2) -> dict[str, Any]:
    return {
        "value": round(value, digits),
        "unit": unit,
        "baseline": round(baseline, digits),
        "ratio": round(value / baseline, 3) if baseline else None,
    }


def figures(
    measured: dict[str, WrkResult], unloaded: dict[str, WrkResult], paced: WrkResult | None = None
) -> dict[str, dict[str, Any]]:
    """The named figures of results.json (bench/README.md lists them): each against the direct call, the nginx
    proxy, the bare Python proxy or its goal, so that its ratio answers the question it is there for."""
    direct, nginx, python, gateway = (measured[name] for name in ("direct", "nginx", "python", "gateway"))
    out: dict[str, dict[str, Any]] = {}
    for name, result in measured.items():
        out[f"{name}_read_throughput"] = figure(result.requests_per_second, "req/s", direct.requests_per_second, 1)
        out[f"{name}_read_p50_ms"] = figure(result.p50_ms, "ms", direct.p50_ms, 3)
        out[f"{name}_read_p99_ms"] = figure(result.p99_ms, "ms", direct.p99_ms, 3)
        if name != "direct":
            # Under load, latency is mostly queueing (bench/README.md): added as a share of the direct call's.
            out[f"{name}_added_p50_ms"] = figure(result.p50_ms - direct.p50_ms, "ms", direct.p50_ms, 3)
            out[f"{name}_added_p99_ms"] = figure(result.p99_ms - direct.p99_ms, "ms", direct.p99_ms, 3)
    out["gateway_vs_nginx_throughput"] = figure(gateway.requests_per_second, "req/s", nginx.requests_per_second, 1)
    out["gateway_vs_python_throughput"] = figure(gateway.requests_per_second, "req/s", python.requests_per_second, 1)
    service_cpu = direct.cpu_ms.get("catalog", 0.0)
    if service_cpu:
        out["direct_cpu_ms_per_read"] = figure(service_cpu, "ms", service_cpu, 3)
        out["gateway_cpu_ms_per_read"] = figure(gateway.cpu_ms["gateway"], "ms", GOAL_GATEWAY_CPU_MS, 3)
        out["nginx_cpu_ms_per_read"] = figure(nginx.cpu_ms["nginx"], "ms", service_cpu, 3)
        # Against the gateway's goal: how much of it the bare Python hop alone takes.
        out["python_cpu_ms_per_read"] = figure(python.cpu_ms["python"], "ms", GOAL_GATEWAY_CPU_MS, 3)
        out["service_cpu_ms_per_read_via_gateway"] = figure(gateway.cpu_ms["catalog"], "ms", service_cpu, 3)
        if paced is not None:
            same_rate = paced.cpu_ms["catalog"]
            out["direct_cpu_ms_per_read_at_gateway_rate"] = figure(same_rate, "ms", service_cpu, 3)
            out["service_cpu_ms_per_read_via_gateway_vs_same_rate"] = figure(
                gateway.cpu_ms["catalog"], "ms", same_rate, 3
            )
    if unloaded:
        alone = unloaded["direct"]
        for name, result in unloaded.items():
            out[f"{name}_read_p50_ms_1conn"] = figure(result.p50_ms, "ms", alone.p50_ms, 3)
            if name != "direct":
                out[f"{name}_added_p50_ms_1conn"] = figure(result.p50_ms - alone.p50_ms, "ms", GOAL_ADDED_P50_MS, 3)
                out[f"{name}_added_p99_ms_1conn"] = figure(result.p99_ms - alone.p99_ms, "ms", GOAL_ADDED_P99_MS, 3)
    return out


def median_result(results: Sequence[WrkResult]) -> WrkResult:
    return WrkResult(
        requests_per_second=statistics.median(r.requests_per_second for r in results),
        p50_ms=statistics.median(r.p50_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        requests=sum(r.requests for r in results),
        non_2xx=sum(r.non_2xx for r in results),
        socket_errors=sum(r.socket_errors for r in results),
        cpu_ms={name: statistics.median(r.cpu_ms[name] for r in results) for name in results[0].cpu_ms},
    )


def report(
    targets: Sequence[Target],
    measured: dict[str, WrkResult],
    unloaded: dict[str, WrkResult],
    paced: WrkResult | None = None,
) -> None:
    direct = measured["direct"]
    print()
    print(f"{'':34}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'÷ direct':>10}")
    for target in targets:
        r = measured[target.name]
        ratio = r.requests_per_second / direct.requests_per_second
        print(f"{target.label:34}{r.requests_per_second:10.1f}{r.p50_ms:10.2f}{r.p99_ms:10.2f}{ratio:10.2f}")
    if direct.cpu_ms:
        names = list(direct.cpu_ms)
        print(f"\nCPU per read, ms{'':18}" + "".join(f"{name:>10}" for name in names))
        for target in targets:
            r = measured[target.name]
            print(f"{target.label:34}" + "".join(f"{r.cpu_ms[name]:10.2f}" for name in names))
    if unloaded:
        print(f"\none connection (latency without queueing):{'p50 ms':>10}{'p99 ms':>10}{'req/s':>10}")
        for target in targets:
            r = unloaded[target.name]
            print(f"{target.label:42}{r.p50_ms:10.2f}{r.p99_ms:10.2f}{r.requests_per_second:10.1f}")

    print()
    for line in goal_lines(measured, unloaded, paced):
        print(line)


def goal_lines(
    measured: dict[str, WrkResult], unloaded: dict[str, WrkResult], paced: WrkResult | None = None
) -> list[str]:
    """Each figure of issue 14's goals beside its goal, met or not."""
    direct, nginx, gateway = measured["direct"], measured["nginx"], measured["gateway"]

    def line(label: str, shown: str, goal: str, ok: bool) -> str:
        return f"{label:48}{shown:>12}   goal {goal:12}{'met' if ok else 'NOT met'}"

    lines = []
    if direct.cpu_ms:
        cpu = gateway.cpu_ms["gateway"]
        lines.append(
            line(
                "gateway_cpu_ms_per_read", f"{cpu:.2f} ms", f"≤ {GOAL_GATEWAY_CPU_MS:g} ms", cpu <= GOAL_GATEWAY_CPU_MS
            )
        )
        behind = gateway.cpu_ms["catalog"] / direct.cpu_ms["catalog"]
        lines.append(line("catalog-svc CPU per read: via gateway ÷ direct", f"{behind:.2f}",
                          f"≤ {GOAL_SERVICE_CPU_RATIO:g}", behind <= GOAL_SERVICE_CPU_RATIO))  # fmt: skip
        if paced is not None:
            same_rate = paced.cpu_ms["catalog"]
            lines.append(f"(direct at the gateway's rate, {paced.requests_per_second:.0f} reads/s evenly paced: "
                         f"{same_rate:.2f} ms of catalog-svc's CPU per read; via gateway ÷ that "
                         f"{gateway.cpu_ms['catalog'] / same_rate:.2f})")  # fmt: skip
    ratio = gateway.requests_per_second / nginx.requests_per_second
    lines.append(line("gateway_vs_nginx_throughput", f"{ratio:.2f}", f"≥ {GOAL_VS_NGINX:g}", ratio >= GOAL_VS_NGINX))
    if unloaded:
        added50 = unloaded["gateway"].p50_ms - unloaded["direct"].p50_ms
        added99 = unloaded["gateway"].p99_ms - unloaded["direct"].p99_ms
        lines.append(line("gateway added latency, one connection, p50", f"{added50:+.2f} ms",
                          f"≤ {GOAL_ADDED_P50_MS:g} ms", added50 <= GOAL_ADDED_P50_MS))  # fmt: skip
        lines.append(line("gateway added latency, one connection, p99", f"{added99:+.2f} ms",
                          f"≤ {GOAL_ADDED_P99_MS:g} ms", added99 <= GOAL_ADDED_P99_MS))  # fmt: skip
        for name, label in (("nginx", "nginx"), ("python", "the bare Python proxy")):
            u = unloaded[name]
            lines.append(f"({label} adds at one connection: p50 {u.p50_ms - unloaded['direct'].p50_ms:+.2f} ms, "
                         f"p99 {u.p99_ms - unloaded['direct'].p99_ms:+.2f} ms)")  # fmt: skip
    if direct.cpu_ms:
        python = measured["python"]
        share = python.requests_per_second / nginx.requests_per_second
        lines.append(f"(the bare Python proxy: {python.cpu_ms['python']:.2f} ms of CPU per read, "
                     f"{share:.2f} of nginx's throughput)")  # fmt: skip
    return lines


def machine_busy_seconds() -> float:
    """CPU time the whole machine has been busy (or stolen by its host) so far, all cores together."""
    fields = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def server_pids() -> list[int]:
    """The hub's services, nginx, the bare Python proxy, and the private PostgreSQL (with its backends) and Kafka when
    they are local."""
    pids = [int(f.read_text()) for f in [*(HUB_DIR / "pids").glob("*.pid"), BARE_PROXY_DIR / "pid"] if f.exists()]
    with contextlib.suppress(FileNotFoundError, ValueError):
        pids += nginx_pids()
    run_dir = BENCH_DIR.parent
    with contextlib.suppress(FileNotFoundError, ValueError):
        pids += with_children(int((run_dir / "pg" / "data" / "postmaster.pid").read_text().split()[0]))
    with contextlib.suppress(FileNotFoundError, ValueError):
        pids.append(int((run_dir / "kafka" / "kafka.pid").read_text()))
    return pids


@dataclass
class OtherLoad:
    """How many cores processes outside the benchmark kept busy while it measured: they skew every figure."""

    started: float = 0.0
    busy: float = 0.0
    own: float = 0.0

    @staticmethod
    def _own() -> float:
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return cpu_seconds(server_pids()) + me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime

    def start(self) -> None:
        self.started, self.busy, self.own = time.monotonic(), machine_busy_seconds(), self._own()

    def cores(self) -> float:
        elapsed = time.monotonic() - self.started
        return ((machine_busy_seconds() - self.busy) - (self._own() - self.own)) / elapsed if elapsed else 0.0


def busy_warning(others: float) -> None:
    cores = os.cpu_count() or 1
    print(f"\nmachine: {cores} cores; other processes kept {others:.2f} of them busy while the benchmark measured")
    if others > 0.25 * cores:
        print("warning: the machine was busy with other work; the figures are unreliable: run again when it is idle")


def measure(
    targets: Sequence[Target], args: argparse.Namespace, watch: Mapping[str, Sequence[int]], token: Callable[[], str]
) -> tuple[dict[str, WrkResult], dict[str, WrkResult], int]:
    """Each target under load (median of the rounds), then at one connection; and how many reads the gateway had.

    Each round starts one target further on, so no target always runs first (just after the hub started, or just
    after another target's load) and an order effect cancels out over the rounds.
    """
    load = {"threads": args.threads, "connections": args.connections}
    rounds: dict[str, list[WrkResult]] = {t.name: [] for t in targets}
    gateway_requests = 0
    for number in range(args.rounds):
        for target in [*targets[number % len(targets) :], *targets[: number % len(targets)]]:
            if "authorization" in target.headers:
                target.headers["authorization"] = token()  # a fresh one each round: they last 15 minutes
            print(f"round {number + 1}/{args.rounds}: {target.label} …", flush=True)
            warm = run_wrk(target.url, target.headers, **load, seconds=args.warmup)
            profiling = args.profile and target.name == "gateway"
            with py_spy(watch["gateway"][0], args.duration, args.profile, number) if profiling else _nothing():
                result = run_wrk(target.url, target.headers, **load, seconds=args.duration, watch=watch)
            rounds[target.name].append(result)
            if target.name == "gateway":
                gateway_requests += warm.requests + result.requests
    unloaded: dict[str, WrkResult] = {}
    if args.unloaded_duration > 0:
        for target in targets:
            print(f"one connection: {target.label} …", flush=True)
            seconds = args.unloaded_duration
            unloaded[target.name] = run_wrk(target.url, target.headers, threads=1, connections=1, seconds=seconds)
            if target.name == "gateway":
                gateway_requests += unloaded[target.name].requests
    return {name: median_result(results) for name, results in rounds.items()}, unloaded, gateway_requests


def direct_at_gateway_rate(
    direct: Target, gateway: WrkResult, args: argparse.Namespace, watch: Mapping[str, Sequence[int]]
) -> WrkResult:
    """The direct read again, evenly paced at the rate the gateway's runs served: catalog-svc's CPU per read grows as
    its rate falls (bench/README.md), so this is the same-rate reference for its CPU behind the gateway."""
    rate = max(1, round(gateway.requests_per_second))
    print(f"{direct.label} at the gateway's rate, {rate} reads/s …", flush=True)
    run_paced(direct.url, direct.headers, rate=rate, seconds=args.warmup, watch={})
    return run_paced(direct.url, direct.headers, rate=rate, seconds=args.duration, watch={"catalog": watch["catalog"]})


# --- profile ---------------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


@contextlib.contextmanager
def py_spy(pid: int, seconds: float, out: Path, number: int) -> Iterator[None]:
    """py-spy sampling the process for `seconds` (raw, collapsed stacks), appended to `out` when it is done.

    It reads the process from outside without stopping it (--nonblocking), yet takes a little CPU from the machine:
    figures of a profiled run are for the profile, not for keeping."""
    binary = shutil.which("py-spy") or str(Path.home() / ".local" / "bin" / "py-spy")
    part = out.with_name(f"{out.name}.{number}")
    # --gil: only what holds the interpreter, i.e. CPU spent in Python (threads waiting are not work).
    command = [binary, "record", "-p", str(pid), "-d", f"{max(1, int(seconds))}", "-r", "250", "--nonblocking",
               "--gil", "-f", "raw", "-o", str(part)]  # fmt: skip
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 60)
        if part.exists():
            with out.open("a") as whole:
                whole.write(part.read_text())
            part.unlink()


# A stack's frames look like `function (module/path.py:line)`; a package is the module's first two path parts.
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^:()]+)(?::\d+)?\)$")


def profile_top(raw: Path, entries: int = 15) -> str:
    """The profile's top entries: where the samples were (the innermost frame's function) and, for each package,
    the share of samples with one of its frames on the stack (inclusive: a package's callees count for it)."""
    own: dict[str, int] = {}
    inside: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        named = [(m["function"], m["file"]) for m in frames if m]
        if named:
            function, file = named[-1]
            leaf = f"{function} ({'/'.join(file.split('/')[-2:])})"
            own[leaf] = own.get(leaf, 0) + count
        for package in {_package(file) for _, file in named}:
            inside[package] = inside.get(package, 0) + count
    if not total:
        return "no samples"
    lines = [f"{total} samples; innermost function (self):"]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in sorted(own.items(), key=lambda i: -i[1])[:entries]]
    lines.append("package on the stack (inclusive):")
    ranked = sorted(inside.items(), key=lambda i: -i[1])[: entries + 10]
    lines += [f"  {100 * n / total:5.1f}%  {name}" for name, n in ranked]
    return "\n".join(lines)


def _package(file: str) -> str:
    parts = file.split("/")
    if "site-packages" in parts:
        parts = parts[parts.index("site-packages") + 1 :]
    elif "gateway" in parts:
        parts = parts[parts.index("gateway") :]
    elif "hub" in parts:
        parts = parts[parts.index("hub") :]
    else:
        parts = parts[-2:]
    return "/".join(parts[:2]).removesuffix(".py")


# --- main ----------------------------------------------------------------------------------------------------------


def _terminate(signum: int, _: object) -> NoReturn:
    raise SystemExit(128 + signum)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"), help="a PostgreSQL server")
    parser.add_argument("--kafka", default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), help="Kafka bootstrap servers")
    parser.add_argument("--port-offset", type=int, default=2000, help="the benchmark hub's ports: the mesh's + this")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=float, default=8.0, help="seconds measured per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per target, not measured")
    parser.add_argument("--rounds", type=int, default=3, help="measure each target this many times; medians count")
    parser.add_argument(
        "--unloaded-duration", type=float, default=5.0, help="seconds at one connection per target (0: skip)"
    )
    parser.add_argument(
        "--profile", type=Path, help="sample the gateway with py-spy during its measured runs into this raw profile"
    )
    args = parser.parse_args()
    if args.profile:
        args.profile.unlink(missing_ok=True)
    if not args.database_url or not args.kafka:
        parser.error("give --database-url and --kafka (or DATABASE_URL and KAFKA_BOOTSTRAP_SERVERS)")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed (apt-get install wrk; `make bench` does it)")
    vegeta_binary()
    nginx_binary()
    signal.signal(signal.SIGTERM, _terminate)

    mesh = load_mesh()
    ports = {name: service.port + args.port_offset for name, service in mesh.services.items()}
    gateway_url = f"http://127.0.0.1:{ports['gateway']}"
    catalog_port = ports["catalog"]

    run_py("down")  # whatever an interrupted run left behind
    busy = [f"{name}:{port}" for name, port in ports.items() if not port_is_free(port)]
    if busy:
        raise SystemExit(f"ports in use, choose another --port-offset: {', '.join(busy)}")
    asyncio.run(drop_databases(args.database_url, [DATABASE_PREFIX + s.database for s in mesh.services.values()]))
    try:
        run_py(
            "up",
            "--port-offset", str(args.port_offset),
            "--database-prefix", DATABASE_PREFIX,
            "--database-url", args.database_url,
            "--kafka", args.kafka,
            "--timeout", "600",  # six services starting on a busy machine
        )  # fmt: skip
        catalog_url = f"http://127.0.0.1:{catalog_port}"
        setup = set_up(gateway_url)
        internal = {INTERNAL_TOKEN_HEADER: internal_token(setup)}
        path = f"/agencies/{setup.agency_id}"
        with nginx_proxy(catalog_port) as nginx_port, bare_proxy(catalog_port) as (python_port, python_pid):
            targets = [
                Target("direct", "direct (catalog-svc)", f"{catalog_url}{path}", internal),
                Target("nginx", "nginx → catalog-svc", f"http://127.0.0.1:{nginx_port}{path}", internal),
                Target("python", "bare Python proxy → catalog-svc", f"http://127.0.0.1:{python_port}{path}", internal),
                Target("gateway", "gateway → catalog-svc", f"{gateway_url}/api/catalog{path}", {}),
            ]
            token = agency_token(gateway_url, setup)
            targets[-1].headers["authorization"] = token
            check_same_answer(targets)
            verify_audit(gateway_url)  # flushes what the set-up queued
            audited_before = audit_records_total(gateway_url)
            watch = {
                "gateway": [hub_pid("gateway")],
                "catalog": [hub_pid("catalog")],
                "nginx": nginx_pids(),
                "python": [python_pid],
            }
            other_load = OtherLoad()
            other_load.start()
            measured, unloaded, gateway_requests = measure(
                targets, args, watch, lambda: agency_token(gateway_url, setup)
            )
            paced = direct_at_gateway_rate(targets[0], measured["gateway"], args, watch)
            others = other_load.cores()
            verdict = verify_audit(gateway_url)
            audited = audit_records_total(gateway_url) - audited_before
        report(targets, measured, unloaded, paced)
        busy_warning(others)
        print(
            f"\naudit: {audited:.0f} records appended during the gateway runs, for {gateway_requests} reads wrk "
            f"completed through it (wrk does not count those in flight when it stops); chain intact: "
            f"{verdict['intact']}"
        )
        if args.profile and args.profile.exists():
            print(f"\ngateway profile ({args.profile}):\n{profile_top(args.profile)}")
        write_results(figures(measured, unloaded, paced))
        print(f"figures written to {RESULTS}")
        return 0
    finally:
        run_py("down")


if __name__ == "__main__":
    sys.exit(main())
