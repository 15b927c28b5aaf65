"""The big data centre's PostgreSQL killed (SIGKILL) in the middle of a batch: the push answers 503 problem+json with
Retry-After, never a plain-text 500; nothing of the batch stays, and its retry once the database is back stores each
record exactly once (A17.1, A29.1).

The centre's database lives on a throwaway cluster of this module's own (deploy/postgres.sh on a free port), so
killing it touches no other test; the catalog and the gateway stay on the shared test server.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from aggregation.centre import World, centre_world, ingest_in_flight, ndjson, person

from harness import Infra, Keys, assert_problem, eventually, free_port

pytestmark = pytest.mark.integration
ROWS = 20_000
POSTGRES_SH = Path(__file__).resolve().parents[3] / "deploy" / "postgres.sh"
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


@dataclass
class Cluster:
    """A private PostgreSQL cluster: started, killed and started again by the test."""

    run_dir: Path
    port: int
    killed: int | None = None  # the postmaster's pid, once killed

    @property
    def url(self) -> str:
        return f"postgresql://hub@127.0.0.1:{self.port}/postgres"

    async def script(self, command: str) -> None:
        env = {name: value for name, value in os.environ.items() if name != "DATABASE_URL"}
        env |= {"RUN_DIR": str(self.run_dir), "PG_PORT": str(self.port), "PG_TUNING": "test",
                "PG_SHARED_BUFFERS": "64MB", "PG_MAX_WAL_SIZE": "256MB"}  # fmt: skip
        # A subprocess of the event loop's: the services of the test mesh run on it meanwhile.
        process = await asyncio.create_subprocess_exec(
            str(POSTGRES_SH), command, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        assert process.returncode == 0, output.decode(errors="replace")

    def kill(self) -> None:
        """SIGKILL the postmaster and every server process it started, as a crash would stop them."""
        postmaster = int((self.run_dir / "pg" / "data" / "postmaster.pid").read_text().split()[0])
        children = [pid for pid in _pids() if _parent(pid) == postmaster]
        for pid in (postmaster, *children):
            os.kill(pid, signal.SIGKILL)
        self.killed = postmaster

    async def restart(self) -> None:
        """Start the killed cluster again (crash recovery), once its postmaster is reaped: until then its pid
        still answers, and pg_ctl takes the cluster for running."""
        await eventually(lambda: not Path(f"/proc/{self.killed}").exists(), within=60, every=0.2)
        await self.script("start")


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _parent(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # the process ended meanwhile
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the command name in parentheses may hold spaces


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[Cluster]:
    if not (PG_BIN / "pg_ctl").exists() or os.geteuid() != 0:
        pytest.skip("a private cluster needs the PostgreSQL server binaries and root (deploy/postgres.sh)")
    started = Cluster(Path(tempfile.mkdtemp(prefix="agg-pg-")), free_port())
    try:
        await started.script("start")
        yield started
    finally:
        await started.script("stop")
        shutil.rmtree(started.run_dir, ignore_errors=True)


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys, cluster: Cluster) -> AsyncIterator[World]:
    async with centre_world(infra, keys, centre_infra=Infra(cluster.url, infra.kafka_bootstrap)) as running:
        yield running


async def people(rows: int, *, between: Callable[[], Awaitable[None]] | None = None) -> AsyncIterator[bytes]:
    """A batch of `rows` people as an NDJSON stream; `between` runs once half of it is sent."""
    for start in range(0, rows, 1000):
        if start == rows // 2 and between is not None:
            await between()
        yield ndjson(person(n) for n in range(start, min(start + 1000, rows)))


async def test_a_batch_whose_database_is_killed_answers_503_and_its_retry_stores_each_record_once_A17_1_A29_1(
    world: World, cluster: Cluster
) -> None:
    entry_id = await world.publish(world.police)

    async def kill_while_writing() -> None:
        await eventually(lambda: ingest_in_flight(world), within=60)
        cluster.kill()

    response = await world.push(entry_id, "nightly", people(ROWS, between=kill_while_writing), world.police.job)
    problem = assert_problem(response, 503)
    assert problem["type"] == "/problems/service-unavailable"
    assert int(response.headers["retry-after"]) > 0

    await cluster.restart()
    await world.aggregation_db.dispose()  # its pooled connections died with the server
    entry = uuid.UUID(entry_id)
    assert await world.rows("SELECT count(*) FROM batches WHERE entry_id = :e", e=entry) == [(0,)]
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry) == [(0,)]

    retried = await world.push(entry_id, "nightly", people(ROWS), world.police.job)
    assert retried.status_code == 201, retried.text
    assert (retried.json()["stored"], retried.json()["inserted"], retried.json()["quarantined"]) == (ROWS, ROWS, 0)
    counts = "SELECT count(*), count(DISTINCT key) FROM records WHERE entry_id = :e"
    assert await world.rows(counts, e=entry) == [(ROWS, ROWS)]
    assert await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry) == [(ROWS,)]
    again = await world.push(entry_id, "nightly", people(ROWS), world.police.job)
    assert (again.status_code, again.json()["replayed"]) == (200, True)
