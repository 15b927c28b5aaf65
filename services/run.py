"""The local runner: migrates and starts every service of services/mesh.toml in the background, or stops them.

    python services/run.py up --database-url URL --kafka BOOTSTRAP   # returns once the gateway is ready
    python services/run.py up ... --port-offset 2000 --database-prefix bench_   # a second hub beside the first
    python services/run.py down
    python services/run.py status

State lives under the run folder (RUN_DIR, default .run): logs/<service>.log, pids/<service>.pid, and the
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
from hub.mesh import ServiceDeclaration, load_mesh
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


async def migrate(server_url: str, prefix: str = "") -> None:
    """Create each service's database if needed and bring it to the newest migration."""
    for service in load_mesh().services.values():
        url = service_database_url(server_url, service, prefix)
        await ensure_database(url)
        await upgrade_to_head(_package_dir(service) / "migrations", url)
        print(f"migrated {service.name} ({prefix}{service.database})")


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


def start(service: ServiceDeclaration, port: int, env: dict[str, str], run_dir: Path) -> None:
    """Start one service under uvicorn in its own process group, logging to the run folder."""
    pids = pid_file(run_dir, service.name)
    if pids.exists() and alive(int(pids.read_text())):
        print(f"{service.name} already running (pid {pids.read_text().strip()})")
        return
    (run_dir / "logs").mkdir(parents=True, exist_ok=True)
    pids.parent.mkdir(parents=True, exist_ok=True)
    log = (run_dir / "logs" / f"{service.name}.log").open("ab")
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
    print(f"started {service.name} on :{port} (pid {process.pid})")


def wait_ready(gateway_url: str, timeout: float) -> dict[str, object]:
    """Poll the gateway's /readyz, which asks every service's, until all are ready."""
    deadline = time.monotonic() + timeout
    last: dict[str, object] = {}
    while time.monotonic() < deadline:
        try:
            response = httpx.get(f"{gateway_url}/readyz", timeout=10.0)
            last = response.json()
            if response.status_code == 200:
                return last
        except (httpx.HTTPError, ValueError) as exc:
            last = {"error": str(exc)}
        time.sleep(0.5)
    raise TimeoutError(f"the hub was not ready within {timeout:.0f}s: {json.dumps(last, ensure_ascii=False)}")


def up(args: argparse.Namespace) -> int:
    mesh = load_mesh()
    asyncio.run(migrate(args.database_url, args.database_prefix))
    bootstrap_admin(args.database_url, args.city, args.database_prefix)
    private_pem, public_pem = keypair(RUN_DIR)
    ports = {s.name: s.port + args.port_offset for s in mesh.services.values()}
    upstreams = {name: f"http://127.0.0.1:{port}" for name, port in ports.items() if name != "gateway"}
    for service in mesh.services.values():
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
            env["HUB_UPSTREAM_URLS"] = json.dumps(upstreams)
        start(service, ports[service.name], env, RUN_DIR)
    gateway_url = f"http://127.0.0.1:{ports['gateway']}"
    try:
        wait_ready(gateway_url, args.timeout)
    except TimeoutError as exc:
        print(exc, file=sys.stderr)
        print(f"logs: {RUN_DIR / 'logs'}", file=sys.stderr)
        return 1
    print(f"The hub is ready: {gateway_url}  (logs in {RUN_DIR / 'logs'})")
    print(f"Administrator: admin, password in {RUN_DIR / 'keys' / 'admin-password'}")
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
    for service in load_mesh().services.values():
        pids = pid_file(RUN_DIR, service.name)
        pid = int(pids.read_text()) if pids.exists() else None
        state = "running" if pid and alive(pid) else "stopped"
        running += state == "running"
        print(f"{service.name:12} {state}" + (f" (pid {pid})" if state == "running" else ""))
    return 0 if running else 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    up_parser = commands.add_parser("up", help="migrate and start every service")
    up_parser.add_argument("--database-url", required=True, help="a PostgreSQL server (any database on it)")
    up_parser.add_argument("--kafka", required=True, help="Kafka bootstrap servers")
    up_parser.add_argument("--timeout", type=float, default=120.0)
    up_parser.add_argument("--city", default=os.environ.get("HUB_CITY_REGION", "320200"), help="the city's region code")
    up_parser.add_argument(
        "--port-offset", type=int, default=0, help="shift every declared port, to run a second hub beside one"
    )
    up_parser.add_argument(
        "--database-prefix",
        default="",
        help="prefix every service's database name (bench_ gives bench_hub_catalog …), so a second hub shares the "
        "server without sharing data",
    )
    commands.add_parser("down", help="stop every service started here")
    commands.add_parser("status", help="which services run")
    args = parser.parse_args()
    return {"up": up, "down": down, "status": status}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
