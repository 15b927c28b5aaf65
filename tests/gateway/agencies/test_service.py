"""The gateway's read model of the agency registry, fed by catalog.events on the real catalog and Kafka: what a
client may be bound to, and in which region (A2.1, A4.1, A15.2)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from factories import agency_body
from gateway.agencies.service import record_changed
from harness import MeshStarter, city_admin, eventually, rows
from hub.contracts.catalog import AgencyChanged
from hub.db import async_url

pytestmark = pytest.mark.integration

KNOWN = "SELECT id, credit_code, name, kind, region_code FROM known_agencies WHERE id = $1"


async def test_the_gateway_learns_each_agency_the_catalogue_registers_and_follows_its_changes_A2_1(
    start_mesh: MeshStarter,
) -> None:
    body = agency_body(name="无锡市公安局", region_code="320200")
    async with start_mesh(["catalog", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        registered = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
        assert registered.status_code == 201, registered.text
        agency_id = uuid.UUID(registered.json()["id"])
        learned = await eventually(lambda: rows(mesh.databases["gateway"], KNOWN, agency_id))
        changed = await gateway.patch(f"/api/catalog/agencies/{agency_id}", json={"name": "无锡市公安局（新）"},
                                      headers=admin)  # fmt: skip
        assert changed.status_code == 200, changed.text

        async def renamed() -> list[Any]:
            return [r for r in await rows(mesh.databases["gateway"], KNOWN, agency_id) if r["name"] != body["name"]]

        followed = await eventually(renamed)
    assert dict(learned[0]) == {
        "id": agency_id,
        "credit_code": body["credit_code"],
        "name": "无锡市公安局",
        "kind": "administrative_organ",
        "region_code": "320200",
    }
    assert followed[0]["name"] == "无锡市公安局（新）"
    assert followed[0]["region_code"] == "320200"


async def test_a_change_of_an_agency_never_registered_here_adds_nothing(
    database_factory: Callable[[str], Awaitable[str]],
) -> None:
    url = await database_factory("gateway")
    event = AgencyChanged(agency_id=uuid.uuid4(), name="无锡市公安局", region_code="320200", duties_changed=False)
    engine = create_async_engine(async_url(url))
    try:
        async with async_sessionmaker(engine)() as session, session.begin():
            await record_changed(session, event)
    finally:
        await engine.dispose()
    # Without its registration the gateway cannot know the agency's credit code: it binds nothing to it.
    assert await rows(url, "SELECT id FROM known_agencies") == []
