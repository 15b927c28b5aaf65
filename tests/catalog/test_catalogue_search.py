"""Catalogue search pages: each page holds the matches in resource-code order and the count of all the matches
(counted up to a cap), whether the matches are fewer than the cap or more, for every page of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from catalog_svc.entries import repository
from harness import CITY, MeshStarter, city_admin, register_agency, register_client

pytestmark = pytest.mark.integration
CAP = 3  # the count's cap, lowered so that a handful of entries are "more than the cap"
ITEMS = [{"name": "id_number", "label": "证件号码", "data_type": "string", "length": 18, "required": True, "key": True}]


@dataclass
class Catalogue:
    gateway: httpx.AsyncClient
    reader: dict[str, str]
    # Resource codes of the published entries by the word their name carries.
    codes: dict[str, list[str]]


async def _publish(gateway: httpx.AsyncClient, owner: dict[str, Any], reviewer: dict[str, str], code: str,
                   name: str) -> None:  # fmt: skip
    body = {"code": code, "region_code": CITY, "provider_agency_id": owner["id"], "name": name,
            "summary": f"{name}的基本数据。", "classification": "01-02", "category": "theme",
            "source_system": "业务系统", "format": "database", "share_type": "unconditional", "share_method": "api",
            "open_type": "not_open", "open_legal_basis": "《个人信息保护法》", "update_cycle": "daily",
            "items": ITEMS}  # fmt: skip
    created = await gateway.post("/api/catalog/entries", json=body, headers=owner["headers"])
    assert created.status_code == 201, created.text
    entry = created.json()["id"]
    assert (await gateway.post(f"/api/catalog/entries/{entry}/submit", headers=owner["headers"])).status_code == 200
    assert (await gateway.post(f"/api/catalog/entries/{entry}/approve", headers=reviewer)).status_code == 200


@pytest.fixture
async def catalogue(start_mesh: MeshStarter, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Catalogue]:
    monkeypatch.setattr(repository, "COUNT_CAP", CAP)
    async with start_mesh(["catalog", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        agency = await register_agency(gateway, admin, "无锡市不动产登记中心", CITY)
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)
        # Codes published out of their order, so no page can come out right by the order of publication.
        codes = {"不动产": [f"01-02/70000{n}" for n in (5, 1, 4, 2, 3)], "社保": ["01-02/700009", "01-02/700007"]}
        for word, word_codes in codes.items():
            for n, code in enumerate(word_codes):
                await _publish(gateway, agency, reviewer, code, f"{word}信息{n}")
        yield Catalogue(gateway, reviewer, {word: sorted(word_codes) for word, word_codes in codes.items()})


async def _page(catalogue: Catalogue, **params: Any) -> tuple[list[str], int, bool]:
    response = await catalogue.gateway.get("/api/catalog/catalogue", params=params, headers=catalogue.reader)
    assert response.status_code == 200, response.text
    page = response.json()
    return [item["code"] for item in page["items"]], page["total"], page["total_exact"]


# (limit, offset): pages inside, across and past the matches the count reaches (CAP + 1 codes are read first).
PAGES = [(1, 0), (2, 0), (2, 1), (3, 0), (4, 0), (2, 2), (2, 3), (2, 4), (5, 0), (1, 9)]


async def test_every_page_of_more_matches_than_the_count_reaches_holds_them_in_code_order(catalogue: Catalogue) -> None:
    # A three-character word: its bigrams 不动 and 动产 always come together, which the planner does not know.
    for limit, offset in PAGES:
        codes, total, exact = await _page(catalogue, q="不动产", limit=limit, offset=offset)
        assert codes == catalogue.codes["不动产"][offset : offset + limit], (limit, offset)
        assert (total, exact) == (CAP, False)


async def test_every_page_of_fewer_matches_than_the_cap_holds_them_in_code_order_with_their_exact_count(
    catalogue: Catalogue,
) -> None:
    for limit, offset in PAGES:
        codes, total, exact = await _page(catalogue, q="社保", limit=limit, offset=offset)
        assert codes == catalogue.codes["社保"][offset : offset + limit], (limit, offset)
        assert (total, exact) == (2, True)
    assert await _page(catalogue, q="公积金") == ([], 0, True)
