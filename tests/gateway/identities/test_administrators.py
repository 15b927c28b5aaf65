"""The city always keeps an administrator (A4.1): its last active one cannot be revoked, not even by itself, and
`python -m gateway.identities recover-admin` gives it one again when none can sign in."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from gateway.identities.__main__ import bootstrap
from gateway.identities.administrators import recover_city_administrator
from harness import CITY, LocalMesh, MeshStarter, assert_problem, bootstrap_admin, eventually, rows, token
from hub.db import async_url
from hub.errors import Conflict, InvalidInput

pytestmark = pytest.mark.integration

XISHAN = "320205"  # a district of Wuxi
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    async with start_mesh(["gateway"]) as running:
        yield running


async def administrator(gateway: httpx.AsyncClient, admin: dict[str, str], region: str = CITY) -> dict[str, str]:
    """Another administrator of the region, made by an administrator: (its id, login and password)."""
    body = {"kind": "operator", "login": f"admin-{uuid.uuid4().hex[:8]}", "display_name": "管理员",
            "roles": ["administrator"], "region_code": region, "password": f"pw-{uuid.uuid4().hex}"}  # fmt: skip
    response = await gateway.post("/admin/clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "login": body["login"], "password": body["password"]}


async def client_id(mesh: LocalMesh, login: str) -> str:
    found = await rows(mesh.databases["gateway"], "SELECT id FROM clients WHERE login = $1", login)
    return str(found[0]["id"])


async def statuses(mesh: LocalMesh) -> dict[str, str]:
    return {r["login"]: r["status"] for r in await rows(mesh.databases["gateway"], "SELECT login, status FROM clients")}


async def refused(gateway: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    return (await gateway.get("/admin/clients", headers=headers)).status_code == 401


def assert_keeps_an_administrator(response: httpx.Response) -> None:
    problem = assert_problem(response, 409)
    assert problem["requirement"] == "A4.1"
    assert problem["rule"] == "city-keeps-an-administrator"


# The last administrator


async def test_the_citys_last_active_administrator_cannot_be_revoked_even_by_itself_A4_1(mesh: LocalMesh) -> None:
    login, password = await bootstrap_admin(mesh.databases["gateway"])
    async with mesh.client("gateway") as gateway:
        first = await token(gateway, login, password)
        first_id = await client_id(mesh, login)
        alone = await gateway.post(f"/admin/clients/{first_id}/revoke", headers=first)
        second = await administrator(gateway, first)
        second_headers = await token(gateway, second["login"], second["password"])
        # With a second one, the first may go; then the second is the last.
        first_revoked = await gateway.post(f"/admin/clients/{first_id}/revoke", headers=second_headers)
        second_alone = await gateway.post(f"/admin/clients/{second['id']}/revoke", headers=second_headers)
        still_administers = await gateway.get("/admin/clients", headers=second_headers)
    assert_keeps_an_administrator(alone)
    assert first_revoked.status_code == 200, first_revoked.text
    assert_keeps_an_administrator(second_alone)
    assert still_administers.status_code == 200
    assert (await statuses(mesh))[second["login"]] == "active"


async def test_two_city_administrators_revoking_each_other_at_once_leave_one_A4_1(mesh: LocalMesh) -> None:
    login, password = await bootstrap_admin(mesh.databases["gateway"])
    async with mesh.client("gateway") as gateway:
        first_id, first = await client_id(mesh, login), await token(gateway, login, password)
        made = await administrator(gateway, first)
        second_id, second = made["id"], await token(gateway, made["login"], made["password"])
        answers = await asyncio.gather(
            gateway.post(f"/admin/clients/{second_id}/revoke", headers=first),
            gateway.post(f"/admin/clients/{first_id}/revoke", headers=second),
        )
    assert sorted(a.status_code for a in answers) == [200, 409]
    assert sorted((await statuses(mesh)).values()) == ["active", "revoked"]


async def test_a_districts_last_administrator_can_be_revoked_by_the_city_A4_1(mesh: LocalMesh) -> None:
    login, password = await bootstrap_admin(mesh.databases["gateway"])
    async with mesh.client("gateway") as gateway:
        city = await token(gateway, login, password)
        district = await administrator(gateway, city, XISHAN)
        revoked = await gateway.post(f"/admin/clients/{district['id']}/revoke", headers=city)
    assert revoked.status_code == 200, revoked.text


# Recovery


async def identities_command(mesh: LocalMesh, *args: str) -> tuple[int, str, str]:
    """Run `python -m gateway.identities …` on the mesh's gateway database, the password left for it to generate:
    (exit code, stdout, stderr)."""
    env = {**os.environ, "DATABASE_URL": mesh.databases["gateway"]}
    env.pop("HUB_BOOTSTRAP_PASSWORD", None)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "gateway.identities", *args, env=env, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_recover_admin_restores_the_city_when_every_administrator_was_revoked_A4_1(
    mesh: LocalMesh, monkeypatch: pytest.MonkeyPatch
) -> None:
    login, password = await bootstrap_admin(mesh.databases["gateway"])
    monkeypatch.setenv("DATABASE_URL", mesh.databases["gateway"])
    async with mesh.client("gateway") as gateway:
        old_token = await token(gateway, login, password)
        # As the hub could be left before the rule existed: nobody can administer it.
        await rows(mesh.databases["gateway"], "UPDATE clients SET status = 'revoked', revoked_at = now()")
        bootstrapped = await bootstrap(login, CITY, "another long password")
        recovered = await identities_command(mesh, "recover-admin", "--login", login, "--region", CITY)
        new_password = recovered[1].rsplit("password (shown once): ", 1)[-1].strip()
        with_new_password = await gateway.post(
            "/auth/token", data={"grant_type": "password", "username": login, "password": new_password}
        )
        with_old_password = await gateway.post(
            "/auth/token", data={"grant_type": "password", "username": login, "password": password}
        )
        administers = await gateway.get("/admin/clients", headers=await token(gateway, login, new_password))
        # Every replica reloads the credentials on the command's notification: the old password's tokens go.
        await eventually(lambda: refused(gateway, old_token), within=2)
    # bootstrap-admin changes nothing, and says what does.
    assert bootstrapped == (f"{login} exists but is revoked; nothing changed (`recover-admin` restores it)", False)
    assert recovered[0] == 0, recovered[2]
    assert new_password not in ("", password)
    assert with_new_password.status_code == 200, with_new_password.text
    assert_problem(with_old_password, 401)
    assert administers.status_code == 200, administers.text


async def recover(mesh: LocalMesh, login: str, region: str, *, force: bool) -> None:
    """What `recover-admin` does, in this process: one transaction on the gateway's database."""
    engine = create_async_engine(async_url(mesh.databases["gateway"]))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await recover_city_administrator(session, login, "a chosen long password", region, force=force)
    finally:
        await engine.dispose()


async def test_recover_admin_is_refused_while_the_city_has_an_active_administrator_unless_forced_A4_1(
    mesh: LocalMesh,
) -> None:
    await bootstrap_admin(mesh.databases["gateway"])
    with pytest.raises(Conflict, match="--force"):
        await recover(mesh, "rescue", CITY, force=False)
    with pytest.raises(InvalidInput, match="not a city"):
        await recover(mesh, "rescue", XISHAN, force=True)
    assert "rescue" not in await statuses(mesh)
    await recover(mesh, "rescue", CITY, force=True)
    async with mesh.client("gateway") as gateway:
        rescue = await token(gateway, "rescue", "a chosen long password")
        administers = await gateway.get("/admin/clients", headers=rescue)
    assert administers.status_code == 200, administers.text
    assert {c["login"]: c["region_code"] for c in administers.json()}["rescue"] == CITY


async def test_recover_admin_never_turns_a_system_or_a_portal_account_into_an_administrator_A4_1(
    mesh: LocalMesh,
) -> None:
    async with mesh.client("gateway") as gateway:
        signup = {"login": "citizen@example.com", "display_name": "王小明", "password": "a long portal password"}
        assert (await gateway.post("/portal/accounts", json=signup)).status_code == 201
    with pytest.raises(Conflict, match="portal_user"):
        await recover(mesh, "citizen@example.com", CITY, force=True)
    assert (await statuses(mesh)) == {"citizen@example.com": "active"}
