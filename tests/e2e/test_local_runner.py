"""`make up` / `make down`: the local runner starts all five services behind the gateway and stops every one."""

from __future__ import annotations

import importlib.util
import os
import random
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from factories import agency_body
from harness import Infra, add_city, ephemeral_port_floor, eventually, token
from hub.mesh import load_mesh

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def free_port_offset() -> int:
    """An offset that moves every declared port onto free ones, so the test can run beside `make up`.

    The ports stay below the kernel's ephemeral range: there, any connection the parallel tests open may take one
    of them as its local port between this check and the services' bind (CI once saw "address already in use").
    """
    ports = [s.port for s in load_mesh().services.values()]
    top = max(ephemeral_port_floor() - max(ports), 10_010)
    for _ in range(50):
        offset = random.randrange(10_000, top, 10)
        try:
            for port in ports:
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return offset
    raise RuntimeError("no free block of ports")


def runner(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "services" / "run.py"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def test_up_brings_every_service_to_ready_behind_the_gateway_and_down_leaves_none_running(
    infra: Infra, tmp_path: Path
) -> None:
    offset = free_port_offset()
    run_id = f"r{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "RUN_DIR": str(tmp_path), "KAFKA_TOPIC_PREFIX": f"{run_id}."}
    up = runner(
        "up", "--database-url", infra.database_url, "--kafka", infra.kafka_bootstrap,
        "--port-offset", str(offset), "--database-prefix", f"{run_id}_", "--timeout", "120",
        env=env,
    )  # fmt: skip
    pids = {p.stem: int(p.read_text()) for p in (tmp_path / "pids").glob("*.pid")}
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        gateway = f"http://127.0.0.1:{load_mesh().service('gateway').port + offset}"
        assert f"The hub is ready: {gateway}" in up.stdout
        assert set(pids) == {"gateway", "catalog", "share", "open", "aggregation", "supervision"}
        password = (tmp_path / "keys" / "admin-password").read_text().strip()
        async with httpx.AsyncClient(base_url=gateway, timeout=10) as client:
            ready = await client.get("/readyz")
            assert ready.status_code == 200, ready.text
            admin = await token(client, "admin", password)
            await add_city(client, admin)
            created = await client.post("/api/catalog/agencies", json=agency_body(), headers=admin)
            assert created.status_code == 201, created.text
            agency_id = created.json()["id"]

            async def share_knows_it() -> bool:
                return (await client.get(f"/api/share/agencies/{agency_id}", headers=admin)).status_code == 200

            await eventually(share_knows_it, within=30)
        assert (tmp_path / "logs" / "catalog.log").stat().st_size > 0
    finally:
        down = runner("down", env=env)
    assert down.returncode == 0, down.stdout + down.stderr
    assert [name for name, pid in pids.items() if alive(pid)] == []
    assert list((tmp_path / "pids").glob("*.pid")) == []
    for service in load_mesh().services.values():
        await infra.drop_database(infra.database(f"{run_id}_{service.database}"))


def test_a_hub_not_ready_in_time_shows_the_end_of_the_failing_services_logs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("run", REPO / "services" / "run.py")
    assert spec is not None
    assert spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    for name in ("share", "share-1", "open"):
        (tmp_path / f"{name}.log").write_text("\n".join(f"{name} line {n}" for n in range(30)))
    last = {"status": "not-ready", "checks": {"service:share": {"ok": False, "error": "unreachable: ConnectTimeout"},
                                              "service:open": {"ok": True, "status": 200}}}  # fmt: skip
    run.print_log_tails(last, tmp_path, lines=2)
    shown = capsys.readouterr().err
    assert "share line 29" in shown
    assert "share-1 line 28" in shown
    assert "share line 27" not in shown
    assert "open line" not in shown
    run.print_log_tails({"error": "connection refused"}, tmp_path, lines=1)
    assert "open line 29" in capsys.readouterr().err
