"""Kafka outage: with the broker stopped, state changes still commit and their events wait in the outbox; after
the restart all are delivered, none lost, none applied twice.

The broker is stopped and restarted, so this test runs its own (deploy/kafka.sh, same script as `make test`),
never the shared one the other tests use.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from factories import agency_body
from harness import LocalMesh, MeshStarter, city_admin, eventually, free_ports, records_of, rows

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
KAFKA_SH = REPO / "deploy" / "kafka.sh"
SERVICES = ["catalog", "share", "gateway"]
REGISTERED_DURING_OUTAGE = 5


@dataclass(frozen=True)
class PrivateBroker:
    """A Kafka broker of this test alone; its data survives stop() and start()."""

    env: dict[str, str]

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.env['KAFKA_PORT']}"

    async def start(self) -> None:
        await self._kafka_sh("start")

    async def stop(self) -> None:
        await self._kafka_sh("stop")

    async def _kafka_sh(self, command: str) -> None:
        # Not subprocess.run: the services run on this event loop and must keep running while the script waits.
        process = await asyncio.create_subprocess_exec(
            str(KAFKA_SH),
            command,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await process.communicate()
        if process.returncode != 0:
            raise AssertionError(f"deploy/kafka.sh {command} failed ({process.returncode}):\n{output.decode()}")


@pytest.fixture
async def broker(tmp_path: Path) -> AsyncIterator[PrivateBroker]:
    port, controller_port = free_ports(2)
    env = {
        **os.environ,
        "KAFKA_DIR": str(tmp_path / "kafka"),
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(controller_port),
        "KAFKA_JARS": os.environ.get("HUB_TEST_KAFKA_JARS") or str(REPO / ".run" / "kafka-jars"),
    }
    # With KAFKA_BOOTSTRAP_SERVERS set, kafka.sh would use that cluster and start or stop nothing.
    env.pop("KAFKA_BOOTSTRAP_SERVERS", None)
    private = PrivateBroker(env)
    try:
        await private.start()
        yield private
    finally:
        await private.stop()


@pytest.fixture
async def mesh(broker: PrivateBroker, start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    async with start_mesh(SERVICES, kafka_bootstrap=broker.bootstrap) as running:
        yield running


@pytest.fixture
async def admin(mesh: LocalMesh) -> dict[str, str]:
    """Authorization headers of the city's bureau administrator."""
    async with mesh.client("gateway") as gateway:
        return await city_admin(mesh, gateway)


async def test_events_committed_while_kafka_is_down_wait_and_are_applied_once_after_it_returns(
    mesh: LocalMesh, broker: PrivateBroker, topic_prefix: str, admin: dict[str, str]
) -> None:
    catalog_db, share_db = mesh.databases["catalog"], mesh.databases["share"]
    async with mesh.client("gateway") as gateway:
        first = await register_agency_through_gateway(gateway, admin)
        await eventually(lambda: _known_by_share(gateway, [first], admin), within=30)

        failures_before = _publish_failures()
        await broker.stop()
        waiting = [await register_agency_through_gateway(gateway, admin) for _ in range(REGISTERED_DURING_OUTAGE)]
        assert await _count(catalog_db, "outbox") == REGISTERED_DURING_OUTAGE
        # The relay tries, fails, rolls its claim back: the events still wait in the outbox.
        await eventually(lambda: _publish_failures() > failures_before, within=60, every=0.2)
        assert await _count(catalog_db, "outbox") == REGISTERED_DURING_OUTAGE

        await broker.start()
        await eventually(lambda: _known_by_share(gateway, waiting, admin), within=90, every=0.5)

    assert await _count(catalog_db, "outbox") == 0
    known = {str(r["id"]) for r in await rows(share_db, "SELECT id FROM known_agencies")}
    assert known == {first, *waiting}
    assert await _count(share_db, "known_agencies") == REGISTERED_DURING_OUTAGE + 1
    assert await _count(share_db, "inbox") == REGISTERED_DURING_OUTAGE + 1
    assert await records_of(broker.bootstrap, f"{topic_prefix}catalog.events.dlq") == []


def _publish_failures() -> float:
    return REGISTRY.get_sample_value("hub_outbox_publish_failures_total", {"service": "catalog"}) or 0.0


async def test_a_service_with_events_waiting_stops_promptly_while_kafka_is_down(
    mesh: LocalMesh, broker: PrivateBroker, admin: dict[str, str]
) -> None:
    async with mesh.client("gateway") as gateway:
        await broker.stop()
        await register_agency_through_gateway(gateway, admin)
    # A relay blocked on an absent broker must not hold the process hostage (it would hang a rolling deploy).
    await asyncio.wait_for(mesh.stop("catalog"), timeout=30)
    assert await _count(mesh.databases["catalog"], "outbox") == 1


async def register_agency_through_gateway(gateway: httpx.AsyncClient, admin: dict[str, str]) -> str:
    response = await gateway.post("/api/catalog/agencies", json=agency_body(), headers=admin)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _known_by_share(gateway: httpx.AsyncClient, agency_ids: list[str], admin: dict[str, str]) -> bool:
    for agency_id in agency_ids:
        response = await gateway.get(f"/api/share/agencies/{agency_id}", headers=admin)
        if response.status_code != 200:
            return False
    return True


async def _count(database_url: str, table: str) -> int:
    return int((await rows(database_url, f"SELECT count(*) AS n FROM {table}"))[0]["n"])  # noqa: S608
