"""share-svc's directory of agencies follows the registry through the real mesh: catalog-svc, share-svc and the
gateway on real PostgreSQL and Kafka (A2.1)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from factories import agency_body
from harness import MeshStarter, city_admin, eventually

pytestmark = pytest.mark.integration


async def test_a_renamed_agency_is_shown_by_the_sharing_platform_under_its_new_name_A2_1(
    start_mesh: MeshStarter,
) -> None:
    async with start_mesh(["catalog", "share", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        body = agency_body(name="无锡市公安局")
        registered = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
        assert registered.status_code == 201, registered.text
        agency_id = registered.json()["id"]
        await eventually(lambda: _shown_as(gateway, admin, agency_id, "无锡市公安局"))

        renamed = await gateway.patch(f"/api/catalog/agencies/{agency_id}", json={"name": "无锡市公安局（更名）"},
                                      headers=admin)  # fmt: skip
        assert renamed.status_code == 200, renamed.text
        shown = await eventually(lambda: _shown_as(gateway, admin, agency_id, "无锡市公安局（更名）"))

    assert shown == {"id": agency_id, "credit_code": body["credit_code"], "name": "无锡市公安局（更名）",
                     "kind": "administrative_organ", "region_code": "320200"}  # fmt: skip


async def _shown_as(
    gateway: httpx.AsyncClient, headers: dict[str, str], agency_id: str, name: str
) -> dict[str, Any] | None:
    response = await gateway.get(f"/api/share/agencies/{agency_id}", headers=headers)
    shown: dict[str, Any] = response.json()
    return shown if response.status_code == 200 and shown["name"] == name else None
