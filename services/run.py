"""The local runner: migrates and starts every service of services/mesh.toml in the background, or stops them.

    python services/run.py up --database-url URL --kafka BOOTSTRAP   # returns once the gateway is ready
    python services/run.py up ... --port-offset 2000 --database-prefix bench_   # a second hub beside the first
    python services/run.py up ... --replicas 2         # two instances of every service
    python services/run.py start catalog --instance 1 ...   # (re)start one instance, migrating its database only
    python services/run.py down
    python services/run.py status

Replicas: instance k of a service listens on its mesh port + k*10 (+ the port offset): with --replicas 2 the
gateways are on 8100 and 8110 (clients call either: there is no balancer in front of them), catalog on 8101 and
8111, and so on. Instance 0 is named after the service, instance k >= 1 `<service>-<k>`. Every gateway balances
across every replica of each service (gateway.routing.upstreams.ReplicaPool); the replicas of a consuming service
share one Kafka consumer group, and one outbox relay per database publishes at a time (hub.outbox).

State lives under the run folder (RUN_DIR, default .run): logs/<instance>.log, pids/<instance>.pid, and the
internal-token key pair in keys/ (made on first use). The services inherit this process's environment, so
settings such as KAFKA_TOPIC_PREFIX or HUB_RATE_LIMITS set here reach them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from hub.internal_token import generate_keypair
from hub.mesh import REPLICA_PORT_STEP, ServiceDeclaration, load_mesh
from hub.migrations import ensure_database, upgrade_to_head

REPO = Path(__file__).resolve().parents[1]
RUN_DIR = Path(os.environ.get("RUN_DIR", REPO / ".run"))


def service_database_url(server_url: str, service: ServiceDeclaration, prefix: str = "") -> str:
    """The service's own database on the given server, its name prefixed (bench_hub_catalog) for a second hub."""
    return make_url(server_url).set(database=prefix + service.database).render_as_string(hide_password=False)


def keypair(run_dir: Path) -> tuple[str, str]:
    """The gateway's internal-token key pair, made once per run folder."""
    folder = run_dir / "keys"
    private, public = folder / "internal-token.pem", folder / "internal-token.pub"
    if not private.exists():
        folder.mkdir(parents=True, exist_ok=True)
        private_pem, public_pem = generate_keypair()
        private.touch(mode=0o600)
        private.write_text(private_pem)
        public.write_text(public_pem)
    return private.read_text(), public.read_text()


def _package_dir(service: ServiceDeclaration) -> Path:
    package = importlib.import_module(service.package)
    assert package.__file__
    return Path(package.__file__).parent


def admin_password(run_dir: Path) -> str:
    """The bootstrap administrator's password, made once per run folder."""
    path = run_dir / "keys" / "admin-password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(18))
    return path.read_text().strip()


def bootstrap_admin(server_url: str, region: str, prefix: str = "") -> None:
    """The city bureau's first administrator, so the hub can be administered through the gateway at once."""
    env = {
        **os.environ,
        "DATABASE_URL": service_database_url(server_url, load_mesh().service("gateway"), prefix),
        "HUB_BOOTSTRAP_PASSWORD": admin_password(RUN_DIR),
    }
    subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "gateway.identities", "bootstrap-admin", "--login", "admin", "--region", region],
        env=env, check=True, cwd=REPO,
    )  # fmt: skip


async def migrate(server_url: str, service: ServiceDeclaration, prefix: str = "") -> None:
    """Create the service's database if needed and bring it to the newest migration. One service's only: starting
    (or restarting) a service never waits for the other databases' migrations."""
    url = service_database_url(server_url, service, prefix)
    await ensure_database(url)
    await upgrade_to_head(_package_dir(service) / "migrations", url)
    print(f"migrated {service.name} ({prefix}{service.database})")


def instance_name(service: str, instance: int) -> str:
    """Instance 0 keeps the service's name (the one-instance layout, which tools read); others are <service>-<k>."""
    return service if instance == 0 else f"{service}-{instance}"


def service_env(
    args: argparse.Namespace, service: ServiceDeclaration, public_pem: str, private_pem: str
) -> dict[str, str]:
    """A service instance's environment: its database, Kafka, the gateway's key, and for a gateway every replica of
    every service."""
    env = {
        **os.environ,
        "DATABASE_URL": service_database_url(args.database_url, service, args.database_prefix),
        "KAFKA_BOOTSTRAP_SERVERS": args.kafka,
        "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([public_pem]),
        "OTEL_SERVICE_NAME": service.name,
        # Where an operator adds a year to the working-day calendar (python -m hub.workdays add-year); every
        # service watches it, so it may be created later without a restart.
        "HUB_CALENDAR_OVERRIDE_FILE": os.environ.get(
            "HUB_CALENDAR_OVERRIDE_FILE", str(RUN_DIR / "calendar-overrides.json")
        ),
    }
    if service.name == "gateway":
        env["HUB_INTERNAL_TOKEN_PRIVATE_KEY"] = private_pem
        env["HUB_UPSTREAM_URLS"] = json.dumps(upstream_urls(args))
    return env


def upstream_urls(args: argparse.Namespace) -> dict[str, str | list[str]]:
    """Every service's URL for the gateway: one, or the list of its replicas."""
    urls: dict[str, str | list[str]] = {}
    for service in load_mesh().services.values():
        if service.name == "gateway":
            continue
        replicas = [f"http://127.0.0.1:{service.instance_port(k, args.port_offset)}" for k in range(args.replicas)]
        urls[service.name] = replicas if args.replicas > 1 else replicas[0]
    return urls


def pid_file(run_dir: Path, name: str) -> Path:
    return run_dir / "pids" / f"{name}.pid"


def alive(pid: int) -> bool:
    """Whether the process runs; a zombie (exited, not yet reaped by init) does not count."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # The state follows the parenthesised command name, which may itself contain spaces.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def start(service: ServiceDeclaration, port: int, env: dict[str, str], run_dir: Path, instance: int = 0) -> None:
    """Start one instance of a service under uvicorn in its own process group, logging to the run folder."""
    name = instance_name(service.name, instance)
    pids = pid_file(run_dir, name)
    if pids.exists() and alive(int(pids.read_text())):
        print(f"{name} already running (pid {pids.read_text().strip()})")
        return
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    pids.parent.mkdir(parents=True, exist_ok=True)
    log = (run_dir / "logs" / f"{name}.log").open("ab")
    command = [
        sys.executable, "-m", "uvicorn", f"{service.package}.app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
        # uvicorn would believe X-Forwarded-For from 127.0.0.1, i.e. from any local client; the gateway believes it
        # from HUB_TRUSTED_PROXIES only (gateway.routing.forwarded).
        "--no-proxy-headers",
    ]  # fmt: skip
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
        command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=REPO
    )
    pids.write_text(str(process.pid))
    print(f"started {name} on :{port} (pid {process.pid})")


def wait_ready(url: str, timeout: float) -> dict[str, object]:
    """Poll an instance's /readyz (a gateway's asks every service's) until it is ready."""
    deadline = time.monotonic() + timeout
    last: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{url}/readyz", timeout=10.0)
            last = response.json()
            if response.status_code == 200:
                return last
        except (httpx.HTTPError, ValueError) as exc:
            last = {"error": str(exc)}
        time.sleep(0.5)
    raise NotReady(f"the hub was not ready within {timeout:.0f}s: {json.dumps(last, ensure_ascii=False)}", last)


class NotReady(TimeoutError):
    """An instance's /readyz did not pass in time; `last` is its last answer."""

    def __init__(self, message: str, last: dict[str, object]) -> None:
        super().__init__(message)
        self.last = last


def print_log_tails(last: dict[str, object], logs: Path, lines: int = 20) -> None:
    """The end of the log (in `logs`) of each service a readiness answer names as not ready (of every service if it
    names none), on stderr: what an operator, or a failed test, needs first."""
    checks = last.get("checks")
    failing: set[str] = set()
    if isinstance(checks, dict):
        failing = {name.removeprefix("service:") for name, check in checks.items()
                   if name.startswith("service:") and not (isinstance(check, dict) and check.get("ok"))}  # fmt: skip
    for log in sorted(logs.glob("*.log")):
        if not failing or log.stem.split("-")[0] in failing:
            tail = log.read_text(errors="replace").splitlines()[-lines:]
            print(f"--- the end of {log}:", *tail, sep="\n", file=sys.stderr)


def up(args: argparse.Namespace) -> int:
    """Migrate each service's database and start its instances; return once every instance is ready."""
    mesh = load_mesh()
    private_pem, public_pem = keypair(RUN_DIR)
    urls = []
    for service in mesh.services.values():
        # Each service starts as soon as its own database is migrated, while the next one's migrates.
        asyncio.run(migrate(args.database_url, service, args.database_prefix))
        if service.name == "gateway":
            bootstrap_admin(args.database_url, args.city, args.database_prefix)
        env = service_env(args, service, public_pem, private_pem)
        for instance in range(args.replicas):
            port = service.instance_port(instance, args.port_offset)
            start(service, port, env, RUN_DIR, instance)
            urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_ready(url, args.timeout)
    except NotReady as exc:
        print(exc, file=sys.stderr)
        print_log_tails(exc.last, RUN_DIR / "logs")
        print(f"logs: {RUN_DIR / 'logs'}", file=sys.stderr)
        return 1
    gateways = [f"http://127.0.0.1:{mesh.service('gateway').instance_port(k, args.port_offset)}"
                for k in range(args.replicas)]  # fmt: skip
    print(f"The hub is ready: {'  '.join(gateways)}  (logs in {RUN_DIR / 'logs'})")
    print(f"Administrator: admin, password in {RUN_DIR / 'keys' / 'admin-password'}")
    return 0


def start_one(args: argparse.Namespace) -> int:
    """(Re)start one instance of one service: its own database is migrated, nobody else's."""
    service = load_mesh().service(args.service)
    private_pem, public_pem = keypair(RUN_DIR)
    asyncio.run(migrate(args.database_url, service, args.database_prefix))
    port = service.instance_port(args.instance, args.port_offset)
    start(service, port, service_env(args, service, public_pem, private_pem), RUN_DIR, args.instance)
    try:
        wait_ready(f"http://127.0.0.1:{port}", args.timeout)
    except TimeoutError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


def down(_: argparse.Namespace) -> int:
    """Stop every service this runner started: SIGTERM to its process group, SIGKILL if it lingers."""
    folder = RUN_DIR / "pids"
    for pids in sorted(folder.glob("*.pid")) if folder.exists() else []:
        pid = int(pids.read_text())
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGTERM)
            deadline = time.monotonic() + 15
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
            print(f"stopped {pids.stem} (pid {pid})")
        pids.unlink()
    return 0


def status(_: argparse.Namespace) -> int:
    running = 0
    extra = sorted(p.stem for p in (RUN_DIR / "pids").glob("*-*.pid")) if (RUN_DIR / "pids").exists() else []
    for name in [*load_mesh().services, *extra]:
        pids = pid_file(RUN_DIR, name)
        pid = int(pids.read_text()) if pids.exists() else None
        state = "running" if pid and alive(pid) else "stopped"
        running += state == "running"
        print(f"{name:14} {state}" + (f" (pid {pid})" if state == "running" else ""))
    return 0 if running else 3


def add_hub_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that place a hub: its servers, ports, database names and replica count."""
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    parser.add_argument("--kafka", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument(
        "--port-offset", type=int, default=0, help="shift every declared port, to run a second hub beside one"
    )
    parser.add_argument(
        "--database-prefix",
        default="",
        help="prefix every service's database name (bench_ gives bench_hub_catalog …), so a second hub shares the "
        "server without sharing data",
    )
    parser.add_argument(
        "--replicas", type=int, default=1, choices=range(1, 10), metavar="N",
        help=f"instances of every service (1-9); instance k listens on its port + k*{REPLICA_PORT_STEP}",
    )  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="migrate and start every service")
    add_hub_arguments(up_parser)
    up_parser.add_argument("--city", default=os.environ.get("HUB_CITY_REGION", "320200"), help="the city's region code")
    start_parser = commands.add_parser("start", help="(re)start one instance of one service, migrating its database")
    start_parser.add_argument("service", choices=sorted(load_mesh().services))
    start_parser.add_argument("--instance", type=int, default=0, help="which replica (0 is the first)")
    add_hub_arguments(start_parser)
    commands.add_parser("down", help="stop every service started here")
    commands.add_parser("status", help="which services run")
    args = parser.parse_args()
    return {"up": up, "start": start_one, "down": down, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
