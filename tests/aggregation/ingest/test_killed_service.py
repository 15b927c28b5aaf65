"""The big data centre killed (SIGKILL) in the middle of a streamed batch: nothing of it stays, and the retry after
the restart stores every row exactly once — no duplicate, no loss (A17.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from aggregation.centre import World, centre_world, ingest_in_flight, rolled_back, streamed_rows

from gateway.context import GatewayContext
from gateway.routing.upstreams import Upstream
from harness import Infra, Keys, eventually, free_port

pytestmark = pytest.mark.integration
ROWS = 20_000


@dataclass
class Process:
    """aggregation-svc in a process of its own, as services/run.py starts it, so it can really be killed."""

    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    async def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: ASYNC220 - started once, waited for by polling below
                [sys.executable, "-m", "uvicorn", "aggregation_svc.app:create_app", "--factory",
                 "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        async with httpx.AsyncClient() as client:

            async def ready() -> bool:
                try:
                    return (await client.get(f"http://127.0.0.1:{self.port}/readyz")).status_code == 200
                except httpx.HTTPError:
                    return False

            await eventually(ready, within=60, every=0.2)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
async def centre(infra: Infra, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[
    tuple[World, Process]
]:  # fmt: skip
    async with centre_world(infra, keys, services=("catalog", "gateway")) as world:
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": world.mesh.databases["aggregation"],
            "KAFKA_BOOTSTRAP_SERVERS": world.kafka,
            "KAFKA_TOPIC_PREFIX": world.topic_prefix,
            "HUB_INTERNAL_TOKEN_PUBLIC_KEYS": json.dumps([keys.public_pem]),
        }
        process = Process(env, port, tmp_path_factory.mktemp("aggregation") / "aggregation.log")
        await process.start()
        # The gateway of the test mesh reaches the centre in its own process (the mesh runs the others in-process).
        context: GatewayContext = world.mesh.services["gateway"].app.state.gateway
        context.upstreams["aggregation"] = Upstream("aggregation", "aggregation", f"http://127.0.0.1:{port}")
        try:
            yield world, process
        finally:
            if process.process and process.process.poll() is None:
                process.kill()


async def test_a_batch_in_flight_when_the_centre_is_killed_is_retried_without_duplicate_or_loss_A17_1(
    centre: tuple[World, Process],
) -> None:
    world, process = centre
    entry_id = await world.publish(world.police)

    async def kill_while_writing() -> None:
        await eventually(lambda: ingest_in_flight(world))
        process.kill()

    try:
        response = await world.push(entry_id, "nightly", streamed_rows(ROWS, cut=kill_while_writing), world.police.job)
    except (ConnectionAbortedError, httpx.HTTPError):
        pass
    else:
        assert response.status_code >= 500, response.text
    # PostgreSQL ends the dead process's session and rolls its transaction back.
    await eventually(lambda: rolled_back(world))
    entry = uuid.UUID(entry_id)
    assert await world.rows("SELECT count(*) FROM records WHERE entry_id = :e", e=entry) == [(0,)]
    assert await world.rows("SELECT count(*) FROM batches WHERE entry_id = :e", e=entry) == [(0,)]

    await process.start()
    retried = await world.push(entry_id, "nightly", streamed_rows(ROWS), world.police.job)
    assert retried.status_code == 201, retried.text
    assert (retried.json()["stored"], retried.json()["inserted"], retried.json()["quarantined"]) == (ROWS, ROWS, 0)
    assert await world.rows("SELECT count(*), count(DISTINCT key) FROM records WHERE entry_id = :e", e=entry) == [
        (ROWS, ROWS)
    ]
    assert await world.rows("SELECT count(*) FROM record_history WHERE entry_id = :e", e=entry) == [(ROWS,)]
    again = await world.push(entry_id, "nightly", streamed_rows(ROWS), world.police.job)
    assert (again.status_code, again.json()["replayed"]) == (200, True)
