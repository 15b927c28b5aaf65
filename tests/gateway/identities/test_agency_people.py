"""An agency's people at the gateway, on real PostgreSQL: a bureau administrator makes an agency's first
administrator; the agency's administrator registers, rotates and revokes its own agency's systems, jobs and
officers, and nothing of another agency's, granting no role above its own (A4.1, A15.2); its people sign in with a
password.

The gateway runs alone: the agencies are learned by its own handler of catalog.agency.registered, as its consumer
would apply them (tests/gateway/identities/test_agency_binding.py binds clients to agencies the catalog registers).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
import pytest

from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    agency_known_to_gateway,
    assert_problem,
    hub_on_fresh_databases,
    region_admin,
    rows,
    token,
)

pytestmark = pytest.mark.integration

XISHAN = "320205"  # a district of Wuxi
PASSWORD = "a long agency password"


@dataclass(frozen=True)
class World:
    """The gateway with the city's and Xishan's bureau administrators, two agencies of the city (A and B), and the
    first administrator of agency A, made by the city's bureau."""

    mesh: LocalMesh
    city: dict[str, str]
    xishan: dict[str, str]
    agency_a: str
    agency_b: str
    admin_a: dict[str, Any]  # the registration answer of A's administrator
    admin_a_headers: dict[str, str]

    def gateway(self) -> httpx.AsyncClient:
        return self.mesh.client("gateway")

    async def logins(self) -> set[str]:
        return {r["login"] for r in await rows(self.mesh.databases["gateway"], "SELECT login FROM clients")}

    async def state(self, client_id: str) -> tuple[str, int]:
        """A client's status and secret version, as stored."""
        query = "SELECT status, secret_version FROM clients WHERE id = $1"
        (row,) = await rows(self.mesh.databases["gateway"], query, uuid.UUID(client_id))
        return row["status"], row["secret_version"]


def person(agency_id: str | None, *roles: str, password: str | None = PASSWORD) -> dict[str, Any]:
    """The registration body of an agency person."""
    body: dict[str, Any] = {"kind": "agency_person", "login": f"person-{uuid.uuid4().hex[:8]}",
                            "display_name": "数据科 张三", "roles": list(roles), "agency_id": agency_id}  # fmt: skip
    return body | ({"password": password} if password is not None else {})


def system(agency_id: str, kind: str = "agency_system") -> dict[str, Any]:
    """The registration body of an agency's system or ingest job."""
    return {"kind": kind, "login": f"{kind}-{uuid.uuid4().hex[:8]}", "display_name": "数据交换系统",
            "roles": [kind], "agency_id": agency_id}  # fmt: skip


async def registered(gateway: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.post("/admin/clients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def claims(headers: dict[str, str]) -> dict[str, Any]:
    """The claims of the access token in the headers (its signature is the gateway's business, tested elsewhere)."""
    decoded: dict[str, Any] = jwt.decode(headers["authorization"].split()[1], options={"verify_signature": False})
    return decoded


async def valid(gateway: httpx.AsyncClient, headers: dict[str, str]) -> bool:
    """Whether the gateway still takes the credential: a revoked one is refused (401) before any policy applies."""
    response = await gateway.get("/admin/clients", headers=headers)
    return response.status_code != 401


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with hub_on_fresh_databases(infra, keys, ["gateway"]) as (mesh, gateway):
        city = await region_admin(mesh)
        xishan = await region_admin(mesh, "admin.xishan", XISHAN)
        agency_a, agency_b = await agency_known_to_gateway(mesh), await agency_known_to_gateway(mesh)
        admin_a = await registered(gateway, city, person(agency_a, "agency_admin"))
        admin_a_headers = await token(gateway, admin_a["login"], PASSWORD)
        yield World(mesh, city, xishan, agency_a, agency_b, admin_a, admin_a_headers)


# An agency's first administrator, made by the bureau


async def test_a_bureau_administrator_makes_an_agencys_first_administrator_who_signs_in_with_a_password_A15_2(
    world: World,
) -> None:
    created = world.admin_a
    assert (created["kind"], created["roles"], created["agency_id"]) == ("agency_person", ["agency_admin"],
                                                                          world.agency_a)  # fmt: skip
    # Filed under its agency's region; its password is its own, so no secret is shown.
    assert (created["region_code"], created["client_secret"]) == (CITY, None)
    token_claims = claims(world.admin_a_headers)
    assert (token_claims["kind"], token_claims["roles"]) == ("agency_person", ["agency_admin"])
    assert (token_claims["agency"], token_claims["region"]) == (world.agency_a, CITY)


async def test_a_district_administrator_cannot_make_an_administrator_of_a_city_agency_A4_1(world: World) -> None:
    body = person(world.agency_a, "agency_admin")
    async with world.gateway() as gateway:
        response = await gateway.post("/admin/clients", json=body, headers=world.xishan)
    assert assert_problem(response, 403)["requirement"] == "A4.1"
    assert body["login"] not in await world.logins()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (person(None, "agency_officer"), "agency_id"),  # an agency's person acts for one agency (A15.2)
        (person(str(uuid.uuid4()), "agency_officer"), "agency_id"),  # one the catalogue registered (A2.1)
        (person("AGENCY", "agency_officer", password=None), "password"),  # people sign in with a password
        (person("AGENCY", "reviewer"), "roles"),  # a bureau role is no agency person's
    ],
)
async def test_an_agency_person_needs_a_registered_agency_a_password_and_an_agencys_role_A15_2(
    world: World, body: dict[str, Any], field: str
) -> None:
    body = {**body, "agency_id": world.agency_a if body["agency_id"] == "AGENCY" else body["agency_id"]}
    async with world.gateway() as gateway:
        response = await gateway.post("/admin/clients", json=body, headers=world.city)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == [field]
    assert body["login"] not in await world.logins()


# What an agency's administrator does for its own agency


async def test_an_agency_admin_registers_an_officer_a_system_and_a_job_of_its_own_agency_A15_2(world: World) -> None:
    async with world.gateway() as gateway:
        officer = await registered(gateway, world.admin_a_headers, person(world.agency_a, "agency_officer"))
        officer_headers = await token(gateway, officer["login"], PASSWORD)
        systems = [await registered(gateway, world.admin_a_headers, system(world.agency_a, kind))
                   for kind in ("agency_system", "ingest_job")]  # fmt: skip
        for created in systems:
            await token(gateway, created["login"], created["client_secret"], grant="client_credentials")
        # An officer manages nobody: the gateway's policy refuses it the admin routes.
        refused = await gateway.post("/admin/clients", json=system(world.agency_a), headers=officer_headers)
    for created in (officer, *systems):
        assert (created["agency_id"], created["region_code"]) == (world.agency_a, CITY)
    assert claims(officer_headers)["roles"] == ["agency_officer"]
    assert claims(officer_headers)["agency"] == world.agency_a
    assert assert_problem(refused, 403)["policy_route"] == "/admin/clients"


async def test_an_agency_admin_may_make_another_administrator_of_its_own_agency_A15_2(world: World) -> None:
    async with world.gateway() as gateway:
        created = await registered(gateway, world.admin_a_headers, person(world.agency_a, "agency_admin"))
        second = await token(gateway, created["login"], PASSWORD)
        listed = await gateway.get("/admin/clients", headers=second)
    assert listed.status_code == 200, listed.text
    assert world.admin_a["id"] in {c["id"] for c in listed.json()}


async def test_an_agency_admin_cannot_file_its_agencys_client_under_another_region_A4_1(world: World) -> None:
    body = {**system(world.agency_a), "region_code": XISHAN}
    async with world.gateway() as gateway:
        response = await gateway.post("/admin/clients", json=body, headers=world.admin_a_headers)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["region_code"]


# What it never does


@pytest.mark.parametrize(
    ("kind", "role"),
    [
        ("agency_system", "agency_system"),
        ("ingest_job", "ingest_job"),
        ("agency_person", "agency_officer"),
        ("agency_person", "agency_admin"),
    ],
)
async def test_an_agency_admin_cannot_register_anyone_for_another_agency_A15_2(
    world: World, kind: str, role: str
) -> None:
    body = {**person(world.agency_b, role), "kind": kind}
    async with world.gateway() as gateway:
        response = await gateway.post("/admin/clients", json=body, headers=world.admin_a_headers)
    problem = assert_problem(response, 403)
    assert problem["requirement"] == "A15.2"
    assert world.agency_a in problem["detail"]
    assert body["login"] not in await world.logins()


@pytest.mark.parametrize(
    ("kind", "roles"),
    [
        ("operator", ["administrator"]),  # the bureau's roles are the bureau's to give (A4.1)
        ("operator", ["reviewer"]),
        ("operator", ["inspector"]),
        ("agency_person", ["administrator"]),
        ("agency_person", ["reviewer"]),
        ("agency_person", ["inspector"]),
        ("agency_person", ["portal_user"]),
        ("agency_person", ["agency_officer", "administrator"]),
        ("agency_system", ["agency_system", "inspector"]),
    ],
)
async def test_an_agency_admin_cannot_grant_a_role_above_its_agencys_A15_2(
    world: World, kind: str, roles: list[str]
) -> None:
    body = {**person(world.agency_a, *roles), "kind": kind}
    if kind == "operator":
        body |= {"agency_id": None, "region_code": CITY}
    async with world.gateway() as gateway:
        response = await gateway.post("/admin/clients", json=body, headers=world.admin_a_headers)
    assert assert_problem(response, 403)["requirement"] == "A15.2"
    assert body["login"] not in await world.logins()


async def test_an_agency_admin_cannot_rotate_or_revoke_another_agencys_clients_nor_the_bureaus_A15_2(
    world: World,
) -> None:
    (city_admin_row,) = await rows(world.mesh.databases["gateway"], "SELECT id FROM clients WHERE login = 'admin'")
    async with world.gateway() as gateway:
        other_system = await registered(gateway, world.city, system(world.agency_b))
        other_headers = await token(gateway, other_system["login"], other_system["client_secret"],
                                    grant="client_credentials")  # fmt: skip
        other_officer = await registered(gateway, world.city, person(world.agency_b, "agency_officer"))
        attempts = [
            await gateway.post(f"/admin/clients/{target}/{action}", headers=world.admin_a_headers)
            for target in (other_system["id"], other_officer["id"], str(city_admin_row["id"]))
            for action in ("secret", "revoke")
        ]
        still_valid = await valid(gateway, other_headers)
    for response in attempts:
        assert assert_problem(response, 403)["requirement"] == "A15.2"
    assert still_valid
    for client_id in (other_system["id"], other_officer["id"], str(city_admin_row["id"])):
        assert await world.state(client_id) == ("active", 1)


async def test_an_agency_admin_rotates_and_revokes_its_own_agencys_clients_A15_2(world: World) -> None:
    async with world.gateway() as gateway:
        own_system = await registered(gateway, world.admin_a_headers, system(world.agency_a))
        old = await token(gateway, own_system["login"], own_system["client_secret"], grant="client_credentials")
        rotated = await gateway.post(f"/admin/clients/{own_system['id']}/secret", headers=world.admin_a_headers)
        assert rotated.status_code == 200, rotated.text
        new = await token(gateway, own_system["login"], rotated.json()["client_secret"], grant="client_credentials")
        old_valid, new_valid = await valid(gateway, old), await valid(gateway, new)

        officer = await registered(gateway, world.admin_a_headers, person(world.agency_a, "agency_officer"))
        officer_headers = await token(gateway, officer["login"], PASSWORD)
        revoked = await gateway.post(f"/admin/clients/{officer['id']}/revoke", headers=world.admin_a_headers)
        officer_valid = await valid(gateway, officer_headers)
        again = await gateway.post(
            "/auth/token", data={"grant_type": "password", "username": officer["login"], "password": PASSWORD}
        )
    assert (old_valid, new_valid) == (False, True)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"
    assert not officer_valid
    assert assert_problem(again, 401)["error"] == "invalid_client"


async def test_an_agency_admin_lists_its_own_agencys_clients_and_no_other_A15_2(world: World) -> None:
    async with world.gateway() as gateway:
        own = await registered(gateway, world.admin_a_headers, system(world.agency_a))
        other = await registered(gateway, world.city, system(world.agency_b))
        response = await gateway.get("/admin/clients", params={"limit": 500}, headers=world.admin_a_headers)
        city_sees = await gateway.get("/admin/clients", params={"limit": 500}, headers=world.city)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert {c["agency_id"] for c in listed} == {world.agency_a}
    assert {world.admin_a["id"], own["id"]} <= {c["id"] for c in listed}
    assert other["id"] in {c["id"] for c in city_sees.json()}
