"""Identities at the gateway on real PostgreSQL: tokens, hashed secrets, revocation on every replica, secret
replacement, key rotation, portal API keys, and administrators kept to their region (A4.1, A12.1, A28.1)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest

from gateway.app import create_app
from gateway.identities.keyring import AUDIENCE
from gateway.settings import Settings
from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    MeshStarter,
    agency_known_to_gateway,
    assert_problem,
    bootstrap_admin,
    catalogued_agency,
    city_admin,
    eventually,
    free_socket,
    region_admin,
    rows,
    serve,
    settings_for,
    token,
)
from hub.jwt_claims import ISSUER
from hub.telemetry import create_tracer_provider

pytestmark = pytest.mark.integration

XISHAN = "320205"  # a district of Wuxi
SUZHOU = "320500"  # another city


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    """The gateway alone: its own routes need no other service."""
    async with start_mesh(["gateway"]) as running:
        yield running


@pytest.fixture
async def catalog_mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    """The gateway in front of the catalog, so a credential can be seen reaching (or not reaching) a service."""
    async with start_mesh(["catalog", "gateway"]) as running:
        yield running


async def register_system(
    gateway: httpx.AsyncClient, admin: dict[str, str], agency_id: str, region: str = CITY
) -> tuple[dict[str, Any], dict[str, str]]:
    """An agency system of a known agency, registered through the admin API: (the registration answer, its
    authorization headers)."""
    login = f"system-{uuid.uuid4().hex[:8]}"
    body = {
        "kind": "agency_system",
        "login": login,
        "display_name": "公安局数据交换系统",
        "roles": ["agency_system"],
        "agency_id": agency_id,
        "region_code": region,
    }
    response = await gateway.post("/admin/clients", json=body, headers=admin)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created, await token(gateway, login, created["client_secret"], grant="client_credentials")


async def sign_up(gateway: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, str]]:
    """A portal account signed up on the open portal: (the account, its authorization headers)."""
    login, password = f"citizen-{uuid.uuid4().hex[:8]}@example.com", f"pw-{uuid.uuid4().hex}"
    response = await gateway.post(
        "/portal/accounts", json={"login": login, "display_name": "王小明", "password": password}
    )
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account, await token(gateway, login, password)


async def create_api_key(gateway: httpx.AsyncClient, credential: dict[str, str], name: str) -> dict[str, Any]:
    response = await gateway.post("/portal/api-keys", json={"name": name}, headers=credential)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def claims(headers: dict[str, str]) -> dict[str, Any]:
    """The claims of the bearer token in the headers (the signature is checked separately where it matters)."""
    decoded: dict[str, Any] = jwt.decode(bearer(headers), options={"verify_signature": False})
    return decoded


def bearer(headers: dict[str, str]) -> str:
    return headers["authorization"].removeprefix("Bearer ")


def kid(headers: dict[str, str]) -> str:
    return str(jwt.get_unverified_header(bearer(headers))["kid"])


@contextlib.asynccontextmanager
async def second_replica(
    mesh: LocalMesh, infra: Infra, keys: Keys, topic_prefix: str
) -> AsyncIterator[httpx.AsyncClient]:
    """Another gateway replica on the same gateway database and the same upstreams, as a second pod would run."""
    upstreams = {name: mesh.url(name) for name in mesh.services if name != "gateway"}
    settings = settings_for(
        "gateway", infra, keys, mesh.databases["gateway"], topic_prefix, HUB_UPSTREAM_URLS=upstreams
    )
    assert isinstance(settings, Settings)
    sock = free_socket()
    running = await serve(create_app(settings, create_tracer_provider("gateway")), sock, "gateway-2")
    try:
        async with httpx.AsyncClient(base_url=running.url, timeout=10.0) as client:
            yield client
    finally:
        running.server.should_exit = True
        await running.task
        sock.close()


# Tokens


async def test_an_agency_system_gets_a_token_for_its_client_credentials_A12_1(catalog_mesh: LocalMesh) -> None:
    async with catalog_mesh.client("gateway") as gateway:
        admin = await city_admin(catalog_mesh, gateway)
        created, system = await register_system(gateway, admin, await catalogued_agency(catalog_mesh, gateway, admin))
        jwks = (await gateway.get("/.well-known/jwks.json")).json()
        reached = await gateway.get("/api/catalog/agencies", headers=system)
    assert created["kind"] == "agency_system"
    assert created["status"] == "active"
    token_claims = jwt.decode(
        bearer(system),
        jwt.PyJWKSet.from_dict(jwks)[kid(system)].key,
        algorithms=["EdDSA"],
        audience=AUDIENCE,
        issuer=ISSUER,
    )
    assert token_claims["sub"] == created["id"]
    assert token_claims["kind"] == "agency_system"
    assert token_claims["roles"] == ["agency_system"]
    assert token_claims["agency"] == created["agency_id"]
    assert token_claims["region"] == CITY
    assert reached.status_code == 200, reached.text


async def test_an_operator_gets_a_token_for_its_password_A12_1(mesh: LocalMesh) -> None:
    admin = await region_admin(mesh)
    body = {
        "kind": "operator",
        "login": "reviewer.li",
        "display_name": "李审核",
        "roles": ["reviewer"],
        "region_code": XISHAN,
        "password": "a long enough password",
    }
    async with mesh.client("gateway") as gateway:
        created = await gateway.post("/admin/clients", json=body, headers=admin)
        response = await gateway.post(
            "/auth/token",
            data={"grant_type": "password", "username": "reviewer.li", "password": "a long enough password"},
        )
    assert created.status_code == 201, created.text
    # An operator chose its password: nothing is generated, so nothing is shown.
    assert created.json()["client_secret"] is None
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["token_type"] == "Bearer"
    assert answer["expires_in"] == Settings.model_fields["access_token_ttl_seconds"].default
    operator = claims({"authorization": f"Bearer {answer['access_token']}"})
    assert (operator["kind"], operator["roles"], operator["region"]) == ("operator", ["reviewer"], XISHAN)


async def test_a_wrong_secret_and_an_unknown_login_get_the_same_401_and_are_security_events_A28_1(
    mesh: LocalMesh,
) -> None:
    admin = await region_admin(mesh)
    async with mesh.client("gateway") as gateway:
        created, _ = await register_system(gateway, admin, await agency_known_to_gateway(mesh))
        wrong = await gateway.post(
            "/auth/token",
            data={"grant_type": "client_credentials", "client_id": created["login"], "client_secret": "guessed"},
        )
        unknown = await gateway.post(
            "/auth/token", data={"grant_type": "password", "username": "nobody", "password": "whatever it is"}
        )
        failed = await eventually(lambda: _security_events(gateway, admin, "auth.failed", "/auth/token", 2), within=5)
    wrong_problem, unknown_problem = assert_problem(wrong, 401), assert_problem(unknown, 401)
    # The same answer for both, so the endpoint does not tell which logins exist.
    assert wrong_problem["detail"] == unknown_problem["detail"]
    assert wrong_problem["error"] == unknown_problem["error"] == "invalid_client"
    assert all(event["status"] == 401 for event in failed)


async def _security_events(
    gateway: httpx.AsyncClient, headers: dict[str, str], event: str, route: str, at_least: int
) -> list[dict[str, Any]]:
    response = await gateway.get("/admin/security-events", params={"limit": 1000}, headers=headers)
    assert response.status_code == 200, response.text
    found = [e for e in response.json() if e["event"] == event and e["route"] == route]
    return found if len(found) >= at_least else []


@pytest.mark.parametrize(
    "form",
    [
        {"grant_type": "authorization_code", "code": "abc"},
        {"grant_type": "client_credentials", "client_id": "system-a"},  # no secret
        {"grant_type": "password", "client_id": "x", "client_secret": "y"},  # a password grant without a password
    ],
)
async def test_an_unsupported_or_incomplete_grant_is_a_400_invalid_request(
    mesh: LocalMesh, form: dict[str, str]
) -> None:
    async with mesh.client("gateway") as gateway:
        response = await gateway.post("/auth/token", data=form)
    assert assert_problem(response, 400)["error"] == "invalid_request"


# Secrets


async def test_secrets_passwords_and_api_keys_are_stored_only_as_argon2id_hashes(mesh: LocalMesh) -> None:
    admin = await region_admin(mesh)
    password = f"operator-pw-{uuid.uuid4().hex}"
    operator = {
        "kind": "operator",
        "login": "inspector.zhao",
        "display_name": "赵监察",
        "roles": ["inspector"],
        "region_code": CITY,
        "password": password,
    }
    async with mesh.client("gateway") as gateway:
        created, _ = await register_system(gateway, admin, await agency_known_to_gateway(mesh))
        assert (await gateway.post("/admin/clients", json=operator, headers=admin)).status_code == 201
        _, portal_user = await sign_up(gateway)
        api_key = await create_api_key(gateway, portal_user, "analysis")
    database = mesh.databases["gateway"]
    clients = {
        r["login"]: r for r in await rows(database, "SELECT login, secret_hash, c::text AS whole FROM clients c")
    }
    keys = await rows(
        database, "SELECT secret_hash, k::text AS whole FROM api_keys k WHERE id = $1", uuid.UUID(api_key["id"])
    )
    for row, secret in [
        (clients[created["login"]], created["client_secret"]),
        (clients["inspector.zhao"], password),
        (keys[0], api_key["api_key"].split(".", 1)[1]),
    ]:
        assert row["secret_hash"].startswith("$argon2id$")
        assert secret not in row["whole"]


# Revocation


async def test_a_revoked_system_is_refused_at_once_here_and_within_a_second_on_another_replica_A12_1(
    catalog_mesh: LocalMesh, infra: Infra, keys: Keys, topic_prefix: str
) -> None:
    async with (
        catalog_mesh.client("gateway") as gateway,
        second_replica(catalog_mesh, infra, keys, topic_prefix) as replica,
    ):
        admin = await city_admin(catalog_mesh, gateway)
        created, system = await register_system(gateway, admin, await catalogued_agency(catalog_mesh, gateway, admin))
        assert (await gateway.get("/api/catalog/agencies", headers=system)).status_code == 200
        assert (await replica.get("/api/catalog/agencies", headers=system)).status_code == 200

        revoked = await gateway.post(f"/admin/clients/{created['id']}/revoke", headers=admin)
        here = await gateway.get("/api/catalog/agencies", headers=system)
        await eventually(lambda: _refused(replica, "/api/catalog/agencies", system), within=1.0)
        again = await gateway.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": created["login"],
                "client_secret": created["client_secret"],
            },
        )
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert "revoked" in assert_problem(here, 401)["detail"]
    assert assert_problem(again, 401)["error"] == "invalid_client"


async def _refused(client: httpx.AsyncClient, path: str, headers: dict[str, str], method: str = "GET") -> bool:
    json = {"name": "probe"} if method == "POST" else None
    response = await client.request(method, path, headers=headers, json=json)
    assert response.status_code in (200, 201, 401), response.text
    return response.status_code == 401


async def test_revoked_api_keys_are_refused_at_once_here_and_within_a_second_on_another_replica_A12_1(
    mesh: LocalMesh, infra: Infra, keys: Keys, topic_prefix: str
) -> None:
    admin = await region_admin(mesh)
    async with mesh.client("gateway") as gateway, second_replica(mesh, infra, keys, topic_prefix) as replica:
        account, portal_user = await sign_up(gateway)
        laptop = await create_api_key(gateway, portal_user, "laptop")
        deleted_key = {"x-api-key": laptop["api_key"]}
        other_key = {"x-api-key": (await create_api_key(gateway, portal_user, "server"))["api_key"]}
        # Both replicas have checked (and cached) both keys.
        for client in (gateway, replica):
            for key in (deleted_key, other_key):
                assert not await _refused(client, "/portal/api-keys", key, "POST")

        # One key deleted: refused at once here, within a second there; the other key still works.
        assert (await gateway.delete(f"/portal/api-keys/{laptop['id']}", headers=portal_user)).status_code == 204
        assert await _refused(gateway, "/portal/api-keys", deleted_key, "POST")
        await eventually(lambda: _refused(replica, "/portal/api-keys", deleted_key, "POST"), within=1.0)
        assert not await _refused(replica, "/portal/api-keys", other_key, "POST")

        # The account revoked: every remaining key goes with it, on both replicas.
        assert (await gateway.post(f"/admin/clients/{account['id']}/revoke", headers=admin)).status_code == 200
        assert await _refused(gateway, "/portal/api-keys", other_key, "POST")
        await eventually(lambda: _refused(replica, "/portal/api-keys", other_key, "POST"), within=1.0)
        assert await _refused(replica, "/portal/api-keys", portal_user, "POST")


async def test_a_replaced_secret_refuses_tokens_minted_under_the_old_one_and_the_new_secret_works_A12_1(
    catalog_mesh: LocalMesh,
) -> None:
    async with catalog_mesh.client("gateway") as gateway:
        admin = await city_admin(catalog_mesh, gateway)
        agency_id = await catalogued_agency(catalog_mesh, gateway, admin)
        created, old_token = await register_system(gateway, admin, agency_id)
        replaced = await gateway.post(f"/admin/clients/{created['id']}/secret", headers=admin)
        assert replaced.status_code == 200, replaced.text
        new_secret = replaced.json()["client_secret"]
        with_old_token = await gateway.get("/api/catalog/agencies", headers=old_token)
        with_old_secret = await gateway.post(
            "/auth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": created["login"],
                "client_secret": created["client_secret"],
            },
        )
        new_token = await token(gateway, created["login"], new_secret, grant="client_credentials")
        with_new_token = await gateway.get("/api/catalog/agencies", headers=new_token)
    assert replaced.json()["secret_version"] == created["secret_version"] + 1
    assert new_secret != created["client_secret"]
    assert "replaced" in assert_problem(with_old_token, 401)["detail"]
    assert_problem(with_old_secret, 401)
    assert with_new_token.status_code == 200, with_new_token.text
    assert claims(new_token)["ver"] == created["secret_version"] + 1


# The key ring


async def test_rotating_the_signing_key_keeps_old_tokens_valid_and_signs_new_ones_with_the_new_key(
    mesh: LocalMesh,
) -> None:
    admin = await region_admin(mesh)
    old_kid = kid(admin)
    async with mesh.client("gateway") as gateway:
        rotated = await gateway.post("/admin/signing-keys/rotate", headers=admin)
        assert rotated.status_code == 200, rotated.text
        new_kid = rotated.json()["kid"]
        with_old_token = await gateway.get("/admin/clients", headers=admin)
        login, password = await bootstrap_admin(mesh.databases["gateway"])
        fresh = await token(gateway, login, password)
        with_new_token = await gateway.get("/admin/clients", headers=fresh)
        jwks = (await gateway.get("/.well-known/jwks.json")).json()
    assert new_kid != old_kid
    assert with_old_token.status_code == 200, with_old_token.text
    assert kid(fresh) == new_kid
    assert with_new_token.status_code == 200, with_new_token.text
    key_set = jwt.PyJWKSet.from_dict(jwks)
    assert {key["kid"] for key in jwks["keys"]} == {old_kid, new_kid}
    # Anyone holding the published set verifies both tokens.
    for headers in (admin, fresh):
        verified = jwt.decode(bearer(headers), key_set[kid(headers)].key, algorithms=["EdDSA"], audience=AUDIENCE)
        assert verified["sub"] == claims(admin)["sub"]


# The open portal


async def test_a_portal_user_signs_up_creates_api_keys_uses_one_and_a_deleted_key_is_refused(mesh: LocalMesh) -> None:
    async with mesh.client("gateway") as gateway:
        account, portal_user = await sign_up(gateway)
        first = await create_api_key(gateway, portal_user, "first")
        # The API key is a credential of its own: with it alone, the user creates another key.
        second = await create_api_key(gateway, {"x-api-key": first["api_key"]}, "second")
        deleted = await gateway.delete(f"/portal/api-keys/{first['id']}", headers={"x-api-key": second["api_key"]})
        with_deleted_key = await gateway.post(
            "/portal/api-keys", json={"name": "third"}, headers={"x-api-key": first["api_key"]}
        )
        with_remaining_key = await gateway.post(
            "/portal/api-keys", json={"name": "third"}, headers={"x-api-key": second["api_key"]}
        )
        forged = await gateway.post(
            "/portal/api-keys", json={"name": "x"}, headers={"x-api-key": second["api_key"][:-4] + "AAAA"}
        )
    assert (account["kind"], account["roles"], account["region_code"]) == ("portal_user", ["portal_user"], None)
    assert first["api_key"].startswith(f"pdh_{uuid.UUID(first['id']).hex}.")
    assert deleted.status_code == 204, deleted.text
    assert assert_problem(with_deleted_key, 401)["detail"] == "This API key has been revoked."
    assert with_remaining_key.status_code == 201, with_remaining_key.text
    assert assert_problem(forged, 401)["detail"] == "Unknown API key."


async def test_a_portal_user_cannot_delete_another_users_key_nor_reach_the_admin_routes_A12_1(
    mesh: LocalMesh,
) -> None:
    async with mesh.client("gateway") as gateway:
        _, owner = await sign_up(gateway)
        _, other = await sign_up(gateway)
        key = await create_api_key(gateway, owner, "mine")
        deleted_by_other = await gateway.delete(f"/portal/api-keys/{key['id']}", headers=other)
        still_works = await gateway.post("/portal/api-keys", json={"name": "x"}, headers={"x-api-key": key["api_key"]})
        admin_route = await gateway.get("/admin/clients", headers={"x-api-key": key["api_key"]})
    assert_problem(deleted_by_other, 404)
    assert still_works.status_code == 201
    assert_problem(admin_route, 403)


# Regions


async def test_a_district_administrator_cannot_register_nor_manage_clients_outside_its_district_A4_1(
    mesh: LocalMesh,
) -> None:
    city = await region_admin(mesh)
    district_admin = await region_admin(mesh, "admin.xishan", XISHAN)
    async with mesh.client("gateway") as gateway:
        city_system, _ = await register_system(gateway, city, await agency_known_to_gateway(mesh))
        district_agency = await agency_known_to_gateway(mesh, XISHAN)
        district_system, _ = await register_system(gateway, district_admin, district_agency, region=XISHAN)
        elsewhere = await gateway.post(
            "/admin/clients",
            json={
                "kind": "agency_system",
                "login": "suzhou-system",
                "display_name": "苏州系统",
                "roles": ["agency_system"],
                "agency_id": await agency_known_to_gateway(mesh, SUZHOU),
                "region_code": SUZHOU,
            },
            headers=district_admin,
        )
        in_the_city = await gateway.post(
            "/admin/clients",
            json={
                "kind": "operator",
                "login": "city-reviewer",
                "display_name": "市审核",
                "roles": ["reviewer"],
                "region_code": CITY,
                "password": "a long enough password",
            },
            headers=district_admin,
        )
        revoke_city_system = await gateway.post(f"/admin/clients/{city_system['id']}/revoke", headers=district_admin)
        replace_city_secret = await gateway.post(f"/admin/clients/{city_system['id']}/secret", headers=district_admin)
        seen_by_district = await gateway.get("/admin/clients", headers=district_admin)
        seen_by_city = await gateway.get("/admin/clients", headers=city)
    for refused in (elsewhere, in_the_city, revoke_city_system, replace_city_secret):
        assert assert_problem(refused, 403)["requirement"] == "A4.1"
    assert district_system["region_code"] == XISHAN
    assert {c["login"] for c in seen_by_district.json()} == {"admin.xishan", district_system["login"]}
    assert {c["login"] for c in seen_by_city.json()} >= {
        "admin",
        "admin.xishan",
        city_system["login"],
        district_system["login"],
    }
    logins = {r["login"] for r in await rows(mesh.databases["gateway"], "SELECT login FROM clients")}
    assert "suzhou-system" not in logins
    assert "city-reviewer" not in logins


async def test_only_a_city_administrator_rotates_the_hubs_signing_key_A4_1(mesh: LocalMesh) -> None:
    district_admin = await region_admin(mesh, "admin.xishan", XISHAN)
    async with mesh.client("gateway") as gateway:
        before = (await gateway.get("/.well-known/jwks.json")).json()
        response = await gateway.post("/admin/signing-keys/rotate", headers=district_admin)
        after = (await gateway.get("/.well-known/jwks.json")).json()
    assert after == before
    assert assert_problem(response, 403)["requirement"] == "A4.1"
