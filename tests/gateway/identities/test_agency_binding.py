"""Binding a client to an agency through the gateway, on the catalog and the gateway with real Kafka: only to an
agency the catalogue registered (A2.1, A15.2), within the administrator's region (A4.1), in the agency's region
whatever the body says; and every later action on the client, and its listing, scoped the same way."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    assert_problem,
    bootstrap_admin,
    catalogued_agency,
    city_admin,
    hub_on_fresh_databases,
    rows,
    token,
)

pytestmark = pytest.mark.integration

XISHAN = "320205"  # a district of Wuxi
LIANGXI = "320213"  # a sibling district
HUISHAN = "320206"  # another district, left to the paging test alone
SERVICES = ["catalog", "gateway"]


@dataclass(frozen=True)
class World:
    """The catalog and the gateway with the city, three districts and an administrator of the city and of Xishan."""

    mesh: LocalMesh
    city: dict[str, str]
    xishan: dict[str, str]

    def gateway(self) -> httpx.AsyncClient:
        return self.mesh.client("gateway")

    async def logins(self) -> set[str]:
        return {r["login"] for r in await rows(self.mesh.databases["gateway"], "SELECT login FROM clients")}


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with hub_on_fresh_databases(infra, keys, SERVICES) as (mesh, gateway):
        city = await city_admin(mesh, gateway)
        for code, name in ((XISHAN, "锡山区"), (LIANGXI, "梁溪区"), (HUISHAN, "惠山区")):
            region = {"code": code, "name": name, "level": "district", "parent_code": CITY}
            added = await gateway.post("/api/catalog/regions", json=region, headers=city)
            assert added.status_code == 201, added.text
        login, password = await bootstrap_admin(mesh.databases["gateway"], "admin.xishan", XISHAN)
        xishan = await token(gateway, login, password)
        yield World(mesh, city, xishan)


def system(agency_id: str, region: str | None = None, login: str | None = None) -> dict[str, Any]:
    """The registration body of an agency system; the region is left out unless given."""
    body = {
        "kind": "agency_system",
        "login": login or f"system-{uuid.uuid4().hex[:8]}",
        "display_name": "数据交换系统",
        "roles": ["agency_system"],
        "agency_id": agency_id,
    }
    return body | ({"region_code": region} if region is not None else {})


# Registering


async def test_a_district_administrator_cannot_bind_a_client_to_a_city_agency_A4_1(world: World) -> None:
    async with world.gateway() as gateway:
        city_agency = await catalogued_agency(world.mesh, gateway, world.city, CITY)
        # Neither as it is, nor by claiming the district's region for it.
        plain, claimed = system(city_agency), system(city_agency, XISHAN)
        refused = [await gateway.post("/admin/clients", json=b, headers=world.xishan) for b in (plain, claimed)]
    for response in refused:
        assert assert_problem(response, 403)["requirement"] == "A4.1"
    assert not {plain["login"], claimed["login"]} & await world.logins()


async def test_a_district_administrator_cannot_bind_a_client_to_a_sibling_districts_agency_A4_1(
    world: World,
) -> None:
    async with world.gateway() as gateway:
        sibling_agency = await catalogued_agency(world.mesh, gateway, world.city, LIANGXI)
        body = system(sibling_agency)
        response = await gateway.post("/admin/clients", json=body, headers=world.xishan)
    assert assert_problem(response, 403)["requirement"] == "A4.1"
    assert body["login"] not in await world.logins()


async def test_a_client_cannot_be_bound_to_an_agency_the_catalogue_never_registered_A15_2(world: World) -> None:
    unknown = str(uuid.uuid4())
    bodies = {"district": system(unknown, XISHAN), "city": system(unknown, CITY)}
    async with world.gateway() as gateway:
        answers = {
            "district": await gateway.post("/admin/clients", json=bodies["district"], headers=world.xishan),
            "city": await gateway.post("/admin/clients", json=bodies["city"], headers=world.city),
        }
    for response in answers.values():
        problem = assert_problem(response, 422)
        assert [e["field"] for e in problem["errors"]] == ["agency_id"]
        assert unknown in problem["errors"][0]["message"]
    assert not {b["login"] for b in bodies.values()} & await world.logins()


async def test_a_district_administrator_binds_a_client_to_an_agency_of_its_district_A4_1(world: World) -> None:
    async with world.gateway() as gateway:
        agency = await catalogued_agency(world.mesh, gateway, world.city, XISHAN)
        response = await gateway.post("/admin/clients", json=system(agency), headers=world.xishan)
        assert response.status_code == 201, response.text
        created = response.json()
        headers = await token(gateway, created["login"], created["client_secret"], grant="client_credentials")
        reached = await gateway.get(f"/api/catalog/agencies/{agency}", headers=headers)
    # The body named no region: the client belongs to its agency's.
    assert (created["agency_id"], created["region_code"]) == (agency, XISHAN)
    assert reached.status_code == 200, reached.text


async def test_a_city_administrator_binds_a_client_to_a_district_agency_in_the_districts_region_A4_1(
    world: World,
) -> None:
    async with world.gateway() as gateway:
        agency = await catalogued_agency(world.mesh, gateway, world.city, XISHAN)
        bound = await gateway.post("/admin/clients", json=system(agency, XISHAN), headers=world.city)
        # The city's administrator may not file the district's agency under the city either.
        misfiled = system(agency, CITY)
        refused = await gateway.post("/admin/clients", json=misfiled, headers=world.city)
    assert bound.status_code == 201, bound.text
    assert bound.json()["region_code"] == XISHAN
    problem = assert_problem(refused, 422)
    assert [e["field"] for e in problem["errors"]] == ["region_code"]
    assert misfiled["login"] not in await world.logins()


# Clients bound before the gateway checked bindings


async def insert_client(world: World, agency_id: str, region: str) -> str:
    """A client as the unchecked registration stored it: bound to any agency, filed under the caller's region."""
    found = await rows(
        world.mesh.databases["gateway"],
        "INSERT INTO clients (id, kind, login, display_name, secret_hash, secret_version, roles, agency_id, "
        "region_code, status, created_at) VALUES ($1, 'agency_system', $2, 'legacy', 'x', 1, '{agency_system}', $3, "
        "$4, 'active', now()) RETURNING id",
        uuid.uuid4(), f"legacy-{uuid.uuid4().hex[:8]}", uuid.UUID(agency_id), region,
    )  # fmt: skip
    return str(found[0]["id"])


async def listed(gateway: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    response = await gateway.get("/admin/clients", params={"limit": 500}, headers=headers)
    assert response.status_code == 200, response.text
    return {c["id"] for c in response.json()}


async def test_a_client_bound_to_a_city_agency_under_a_districts_region_is_the_citys_to_administer_A4_1(
    world: World,
) -> None:
    async with world.gateway() as gateway:
        city_agency = await catalogued_agency(world.mesh, gateway, world.city, CITY)
        client_id = await insert_client(world, city_agency, XISHAN)
        by_district = [
            await gateway.post(f"/admin/clients/{client_id}/{action}", headers=world.xishan)
            for action in ("secret", "revoke")
        ]
        district_sees = await listed(gateway, world.xishan)
        city_sees = await listed(gateway, world.city)
        by_city = await gateway.post(f"/admin/clients/{client_id}/secret", headers=world.city)
    for response in by_district:
        assert assert_problem(response, 403)["requirement"] == "A4.1"
    assert client_id not in district_sees
    assert client_id in city_sees
    assert by_city.status_code == 200, by_city.text


async def test_a_client_bound_to_an_unregistered_agency_gets_no_new_secret_but_can_be_revoked_A15_2(
    world: World,
) -> None:
    client_id = await insert_client(world, str(uuid.uuid4()), XISHAN)
    async with world.gateway() as gateway:
        seen = client_id in await listed(gateway, world.xishan)
        rotated = await gateway.post(f"/admin/clients/{client_id}/secret", headers=world.xishan)
        revoked = await gateway.post(f"/admin/clients/{client_id}/revoke", headers=world.xishan)
    # Its administrators find it, to get rid of it.
    assert seen
    problem = assert_problem(rotated, 409)
    assert [e["field"] for e in problem["errors"]] == ["agency_id"]
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["status"] == "revoked"


# Listing


async def test_a_page_of_a_district_administrators_client_list_is_full_A4_1(world: World) -> None:
    async with world.gateway() as gateway:
        login, password = await bootstrap_admin(world.mesh.databases["gateway"], "admin.huishan", HUISHAN)
        huishan = await token(gateway, login, password)
        expected = {login}
        # The district's clients are interleaved with the city's, so a page cut before filtering comes back short.
        for n in range(5):
            for region in (CITY, HUISHAN):
                reviewer = f"reviewer-{region}-{n}-{uuid.uuid4().hex[:6]}"
                body = {"kind": "operator", "login": reviewer, "display_name": "审核", "roles": ["reviewer"],
                        "region_code": region, "password": "a long enough password"}  # fmt: skip
                assert (await gateway.post("/admin/clients", json=body, headers=world.city)).status_code == 201
                if region == HUISHAN:
                    expected.add(reviewer)
        agency = await catalogued_agency(world.mesh, gateway, world.city, HUISHAN)
        bound = await gateway.post("/admin/clients", json=system(agency), headers=world.city)
        expected.add(bound.json()["login"])
        pages = [
            (await gateway.get("/admin/clients", params={"limit": 3, "offset": offset}, headers=huishan)).json()
            for offset in (0, 3, 6, 9)
        ]
    assert len(expected) == 7
    assert [len(page) for page in pages] == [3, 3, 1, 0]
    logins = [c["login"] for page in pages for c in page]
    assert sorted(logins) == sorted(expected)


@pytest.mark.parametrize("offset", [10**20, 9223372036854775808, -1])
async def test_an_offset_beyond_any_client_list_is_a_422_naming_it_A28_1(world: World, offset: int) -> None:
    async with world.gateway() as gateway:
        response = await gateway.get("/admin/clients", params={"offset": offset}, headers=world.city)
    assert [e["field"] for e in assert_problem(response, 422)["errors"]] == ["query.offset"]
