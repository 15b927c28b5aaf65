"""Which address a client is limited and audited under: the socket's peer, unless the peer is a configured proxy
(A28.1, A36.1). The test mesh's uvicorn is configured as services/run.py configures it: believing no forwarding
header on its own."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from typing import Any

import pytest
from uvicorn.main import main as uvicorn_cli

from harness import MeshStarter, eventually, rows
from hub.mesh import load_mesh

RATES = {
    "anonymous": "3/second",
    "portal_user": "1000/second",
    "agency_system": "1000/second",
    "ingest_job": "1000/second",
    "operator": "1000/second",
}
JWKS = "/.well-known/jwks.json"


async def audited_addresses(database_url: str, event: str, count: int) -> list[str | None]:
    """client_ip of the audit's records of an event, once there are `count` of them."""
    found = await rows(database_url, "SELECT client_ip FROM audit_records WHERE event = $1 ORDER BY seq", event)
    return [r["client_ip"] for r in found] if len(found) >= count else []


@pytest.mark.integration
async def test_a_client_naming_other_addresses_in_x_forwarded_for_stays_in_its_own_rate_window_A28_1(
    start_mesh: MeshStarter,
) -> None:
    async with start_mesh(["gateway"], {"gateway": {"HUB_RATE_LIMITS": RATES}}) as mesh, mesh.client("gateway") as gw:
        answers = [await gw.get(JWKS, headers={"x-forwarded-for": f"203.0.113.{n}"}) for n in range(1, 5)]
        limited = await eventually(lambda: audited_addresses(mesh.databases["gateway"], "rate.limited", 1))
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    # The audit names the address the request came from, not the one the client wrote.
    assert limited == ["127.0.0.1"]


@pytest.mark.integration
async def test_x_forwarded_for_from_a_trusted_proxy_names_the_client_A28_1_A36_1(start_mesh: MeshStarter) -> None:
    settings: dict[str, Any] = {"HUB_RATE_LIMITS": RATES, "HUB_TRUSTED_PROXIES": ["127.0.0.1"]}
    async with start_mesh(["gateway"], {"gateway": settings}) as mesh, mesh.client("gateway") as gateway:
        # Four clients behind the proxy, each in its own window.
        separate = [await gateway.get(JWKS, headers={"x-forwarded-for": f"203.0.113.{n}"}) for n in range(1, 5)]
        # One client, four times: what it wrote itself on the left of the chain is not believed, the address the
        # proxy appended on the right is.
        same = [await gateway.get(JWKS, headers={"x-forwarded-for": f"192.0.2.{n}, 198.51.100.7"}) for n in range(1, 5)]
        limited = await eventually(lambda: audited_addresses(mesh.databases["gateway"], "rate.limited", 1))
        # What a proxy forwarded that is no address at all is not believed either.
        await gateway.get("/admin/clients", headers={"x-forwarded-for": "x" * 100})
        denied = await eventually(lambda: audited_addresses(mesh.databases["gateway"], "access.denied", 1))
    assert [a.status_code for a in separate] == [200, 200, 200, 200]
    assert [a.status_code for a in same] == [200, 200, 200, 429]
    assert limited == ["198.51.100.7"]
    assert denied == ["127.0.0.1"]


def test_the_local_runner_starts_every_service_believing_no_forwarding_header(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """services/run.py's command line, read by uvicorn's own parser: proxy headers off."""
    spec = importlib.util.spec_from_file_location("run", Path(__file__).parents[3] / "services" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    commands: list[list[str]] = []

    class Started:
        pid = 1

        def __init__(self, command: list[str], **_: object) -> None:
            commands.append(command)

    monkeypatch.setattr(subprocess, "Popen", Started)
    for service in load_mesh().services.values():
        run.start(service, service.port, {}, tmp_path)
    assert len(commands) == len(load_mesh().services)
    for command in commands:
        arguments = command[command.index("uvicorn") + 1 :]
        assert uvicorn_cli.make_context("uvicorn", arguments).params["proxy_headers"] is False, command
