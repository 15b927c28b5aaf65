"""A drill's hub and servers: services/run.py with two replicas on ports, databases and topics of the drill's own,
and, for the drills that kill one, a private Kafka broker or PostgreSQL cluster (deploy/kafka.sh, deploy/postgres.sh)
so the shared servers other work uses are never touched."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from hub.db import asyncpg_dsn
from hub.mesh import load_mesh

REPO = Path(__file__).resolve().parents[2]
DRILL_DIR = REPO / ".run" / "drill"
# Clear of make up (0), bench (+2000) and other second hubs (+3000); replicas add 10 each.
PORT_OFFSET = 4000
REPLICAS = 2


def server_database_url(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)


async def drop_databases(server_url: str, names: list[str]) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(server_database_url(server_url, "postgres")))
    try:
        for name in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@dataclass
class DrillHub:
    """A hub of two replicas per service, named `name` (its run folder, database prefix and topic prefix)."""

    name: str
    database_url: str
    kafka: str
    port_offset: int = PORT_OFFSET
    replicas: int = REPLICAS
    run_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        self.run_dir = DRILL_DIR / self.name

    @property
    def database_prefix(self) -> str:
        return f"drill_{self.name}_"

    @property
    def topic_prefix(self) -> str:
        return f"drill-{self.name}."

    def env(self) -> dict[str, str]:
        return {**os.environ, "RUN_DIR": str(self.run_dir), "KAFKA_TOPIC_PREFIX": self.topic_prefix}

    def _hub_args(self) -> list[str]:
        return ["--database-url", self.database_url, "--kafka", self.kafka, "--port-offset", str(self.port_offset),
                "--database-prefix", self.database_prefix, "--replicas", str(self.replicas),
                "--timeout", "300"]  # fmt: skip

    def run_py(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 - our own interpreter and runner
            [sys.executable, str(REPO / "services" / "run.py"), *args],
            env=self.env(), check=True, cwd=REPO, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    def up(self) -> None:
        """A fresh hub: whatever an interrupted drill left is stopped, its databases dropped, then started."""
        self.down()
        names = [self.database_prefix + s.database for s in load_mesh().services.values()]
        asyncio.run(drop_databases(self.database_url, names))
        self.run_py("up", *self._hub_args())

    def down(self) -> None:
        self.run_py("down")

    def port(self, service: str, instance: int = 0) -> int:
        return load_mesh().service(service).instance_port(instance, self.port_offset)

    def gateway_url(self, instance: int = 0) -> str:
        return f"http://127.0.0.1:{self.port('gateway', instance)}"

    def service_database(self, service: str) -> str:
        """The service's database URL (the drill counts in it, independently of the service's own figures)."""
        return server_database_url(self.database_url, self.database_prefix + load_mesh().service(service).database)

    def pid(self, service: str, instance: int = 0) -> int:
        name = service if instance == 0 else f"{service}-{instance}"
        return int((self.run_dir / "pids" / f"{name}.pid").read_text())

    def kill(self, service: str, instance: int = 0) -> float:
        """SIGKILL to one replica's process group; the moment it was sent (time.monotonic())."""
        pid = self.pid(service, instance)
        moment = time.monotonic()
        os.killpg(pid, signal.SIGKILL)
        return moment

    def restart(self, service: str, instance: int = 0) -> None:
        """Start one replica again (services/run.py start: its own database only is migrated)."""
        self.run_py("start", service, "--instance", str(instance), *self._hub_args())

    @contextlib.contextmanager
    def restarted_after(self, service: str, instance: int) -> Iterator[None]:
        """Whatever happens in the drill, the replica it kills runs again afterwards (a no-op if it already does)."""
        try:
            yield
        finally:
            self.restart(service, instance)

    def admin_password(self) -> str:
        return (self.run_dir / "keys" / "admin-password").read_text().strip()

    def log_count(self, text: str) -> int:
        """How many lines of the hub's logs hold `text` (e.g. an unretrieved future's complaint)."""
        folder = self.run_dir / "logs"
        return sum(log.read_text(errors="replace").count(text) for log in folder.glob("*.log"))


def wait_until(check: Callable[[], object], within: float, what: str, pause: float = 0.2) -> float:
    """Poll `check()` until it is true; the seconds it took."""
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > within:
            raise TimeoutError(f"timed out after {within:.0f} s waiting for {what}")
        time.sleep(pause)
    return time.monotonic() - started


@dataclass
class PrivateKafka:
    """A broker of the drill's own (deploy/kafka.sh), which the drill may kill."""

    name: str
    port: int
    controller_port: int

    def env(self) -> dict[str, str]:
        return {**os.environ, "RUN_DIR": str(DRILL_DIR / self.name), "KAFKA_PORT": str(self.port),
                "KAFKA_CONTROLLER_PORT": str(self.controller_port), "KAFKA_JARS": str(REPO / ".run" / "kafka-jars"),
                "KAFKA_HEAP": "-Xms128m -Xmx512m", "KAFKA_START_TIMEOUT": "120"}  # fmt: skip

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def script(self, command: str, fresh: bool = False) -> None:
        env = self.env() | ({"KAFKA_FRESH": "1"} if fresh else {})
        env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
        subprocess.run([str(REPO / "deploy" / "kafka.sh"), command], env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603

    def start(self) -> None:
        """Start it again after a kill; kafka.sh stops a broker that was not ready in time, so one more try is
        worth it on a loaded machine before the drill fails."""
        try:
            self.script("start")
        except subprocess.CalledProcessError:
            self.script("start")

    def kill(self) -> float:
        """SIGKILL to the broker; returns once it is gone (a zombie counts as gone)."""
        pid = int((DRILL_DIR / self.name / "kafka" / "kafka.pid").read_text())
        moment = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not _alive(pid), 30, f"the killed broker (pid {pid}) to go", pause=0.05)
        return moment


@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of the drill's own (deploy/postgres.sh, durable settings), which the drill may kill."""

    name: str
    port: int

    def env(self) -> dict[str, str]:
        env = {**os.environ, "RUN_DIR": str(DRILL_DIR / self.name), "PG_PORT": str(self.port),
               "PG_SHARED_BUFFERS": "256MB", "PG_MAX_WAL_SIZE": "2GB"}  # fmt: skip
        env.pop("DATABASE_URL", None)
        env.pop("PG_TUNING", None)
        return env

    @property
    def url(self) -> str:
        return f"postgresql://hub@127.0.0.1:{self.port}/postgres"

    def script(self, command: str) -> None:
        subprocess.run([str(REPO / "deploy" / "postgres.sh"), command], env=self.env(), check=True,  # noqa: S603
                       stdout=subprocess.DEVNULL)  # fmt: skip

    def start(self) -> None:
        """Start it; after a SIGKILL the old server's backends take a moment to notice and go, so retry."""
        deadline = time.monotonic() + 60
        while True:
            try:
                self.script("start")
                return
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)

    def kill(self) -> float:
        """SIGKILL to the postmaster (its backends then exit on their own, as after a crash). Returns once the server
        and its backends are gone, as a supervisor sees a crashed server before it starts a new one.

        The dead postmaster stays a zombie until PID 1 reaps it, which on some machines takes tens of seconds; while
        it does, its pid looks alive and PostgreSQL refuses to start beside it. Once no backend runs in the data
        directory any more, the stale lock file is removed (the shared memory it guards is gone with them)."""
        data = DRILL_DIR / self.name / "pg" / "data"
        pid_file = data / "postmaster.pid"
        pid = int(pid_file.read_text().split()[0])
        moment = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while (_alive(pid) or _working_in(data)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _alive(pid) and not _working_in(data):
            pid_file.unlink(missing_ok=True)
        return moment


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie does not)."""
    return _state(pid) != "Z"


def _working_in(folder: Path) -> bool:
    """Whether a live process has `folder` as its working directory (a PostgreSQL backend has its data directory)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and _alive(int(entry.name)):
            with contextlib.suppress(OSError):
                if Path(os.readlink(entry / "cwd")) == folder.resolve():
                    return True
    return False


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return "Z"
