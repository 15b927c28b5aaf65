"""The indicator system fed by the real producers, on the real mesh and the wall clock (A32.1): agencies registered
and an entry published through catalog-svc, a legacy channel registered and a security event caused through the
gateway. What the catalogue and the gateway publish reaches supervision-svc's figures of the running quarter."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import pytest
from catalog.regional import elements

from harness import CITY, MeshStarter, city_admin, eventually, register_agency, register_client

pytestmark = pytest.mark.integration


async def test_the_catalogues_and_the_gateways_events_become_the_running_quarters_figures_A32_1(
    start_mesh: MeshStarter,
) -> None:
    async with start_mesh(["catalog", "supervision", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"])
        inspector = await register_client(gateway, admin, "operator", ["inspector"])
        police, water = [await register_agency(gateway, admin, name) for name in ("无锡市公安局", "无锡市水务局")]
        # The police publish an entry (A14.1) and have a legacy channel to integrate (A12.1); their system knocks on
        # the administration and is refused: a security event (A28.1). The water bureau does nothing.
        body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY,
                "provider_agency_id": police["id"], **elements()}  # fmt: skip
        created = await gateway.post("/api/catalog/entries", json=body, headers=police["headers"])
        assert created.status_code == 201, created.text
        for step, headers in (("submit", police["headers"]), ("approve", reviewer)):
            moved = await gateway.post(f"/api/catalog/entries/{created.json()['id']}/{step}", headers=headers)
            assert moved.status_code == 200, moved.text
        channel = {"agency_id": police["id"], "counterpart": "省人口库", "name": "前置机文件交换", "region_code": CITY,
                   "deadline": (date.today() + timedelta(days=30)).isoformat()}  # fmt: skip
        assert (await gateway.post("/admin/legacy-channels", json=channel, headers=admin)).status_code == 201
        assert (await gateway.get("/admin/clients", headers=police["headers"])).status_code == 403

        expected = {
            police["id"]: {"catalogue_entries_published": 1, "catalogue_coverage": 1.0,
                           "legacy_channels_remaining": 1, "security_events": 1},
            water["id"]: {"catalogue_entries_published": 0, "catalogue_coverage": 0.0,
                          "legacy_channels_remaining": 0, "security_events": 0},
        }  # fmt: skip

        async def figures() -> dict[str, Any] | None:
            answer = await gateway.get("/api/supervision/indicators", headers=inspector)
            assert answer.status_code == 200, answer.text
            found = {a["agency_id"]: {name: a["indicators"][name]["value"] for name in expected[police["id"]]}
                     for a in answer.json()["agencies"]}  # fmt: skip
            return answer.json() if found == expected else None

        found = await eventually(figures, within=30)
        city = next(r for r in found["regions"] if r["region_code"] == CITY)["indicators"]
        # Of the city's two agencies, one has published an entry.
        assert (city["catalogue_coverage"]["value"], city["catalogue_entries_published"]["value"]) == (0.5, 1)
        assert {a["agency_name"] for a in found["agencies"]} == {"无锡市公安局", "无锡市水务局"}
