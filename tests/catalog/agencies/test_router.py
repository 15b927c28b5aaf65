"""Reading the agency registry straight from catalog-svc, with the internal token the gateway would sign (A12.1):
an agency reads back exactly as it was registered (A2.1, A31.1), an unknown one is a 404 problem, and nothing is
answered without the token."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from harness import CITY, Infra, Keys, assert_problem, fresh_database, running_mesh
from hub.identifiers import credit_code_check_character
from hub.internal_token import HEADER, Caller, TokenSigner

pytestmark = pytest.mark.integration


@dataclass
class Catalog:
    client: httpx.AsyncClient
    administrator: dict[str, str]  # headers of the city's administrator
    reader: dict[str, str]  # headers of an agency system


@pytest.fixture(scope="module")
async def catalog(infra: Infra, keys: Keys) -> AsyncIterator[Catalog]:
    url = await fresh_database(infra, "catalog")
    signer = TokenSigner(keys.private_pem)

    def headers(roles: tuple[str, ...], kind: str) -> dict[str, str]:
        caller = Caller(subject=str(uuid.uuid4()), kind=kind, roles=roles, region_code=CITY)
        return {HEADER: signer.sign(caller, audience="catalog")}

    try:
        async with (
            running_mesh(
                ["catalog"],
                infra=infra,
                keys=keys,
                databases={"catalog": url},
                topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
            ) as mesh,
            httpx.AsyncClient(base_url=mesh.url("catalog"), timeout=30) as client,
        ):
            administrator = headers(("administrator",), "operator")
            city = {"code": CITY, "name": "无锡市", "level": "city"}
            assert (await client.post("/regions", json=city, headers=administrator)).status_code == 201
            yield Catalog(client, administrator, headers(("agency_system",), "agency_system"))
    finally:
        await infra.drop_database(url)


def agency() -> dict[str, str]:
    """An agency to register, its credit code valid under GB 32100 (A2.1)."""
    first17 = f"11{CITY}MB{uuid.uuid4().int % 10**7:07d}"
    return {
        "credit_code": first17 + credit_code_check_character(first17),
        "name": "无锡市公安局",
        "kind": "administrative_organ",
        "region_code": CITY,
        "duties": "维护社会治安。",
        "data_unit": "大数据科",
        "responsible_person": "张三",
    }


async def test_an_agency_reads_back_as_it_was_registered_one_by_id_and_in_the_registry_A2_1_A31_1(
    catalog: Catalog,
) -> None:
    sent = agency()
    registered = await catalog.client.post("/agencies", json=sent, headers=catalog.administrator)
    assert registered.status_code == 201, registered.text
    agency_id = registered.json()["id"]

    one = await catalog.client.get(f"/agencies/{agency_id}", headers=catalog.reader)
    assert one.status_code == 200, one.text
    assert one.json() == registered.json()
    assert {name: one.json()[name] for name in sent} == sent
    listed = await catalog.client.get("/agencies", params={"limit": 500}, headers=catalog.reader)
    assert registered.json() in listed.json()


async def test_an_unknown_agency_is_a_404_problem(catalog: Catalog) -> None:
    response = await catalog.client.get(f"/agencies/{uuid.uuid4()}", headers=catalog.reader)
    assert_problem(response, 404)


async def test_an_agency_is_read_by_no_one_without_the_gateways_token_A12_1(catalog: Catalog) -> None:
    response = await catalog.client.get(f"/agencies/{uuid.uuid4()}")
    assert assert_problem(response, 401)["requirement"] == "A12.1"
