"""A hub of one city and two of its districts, for tests of what a district's bureau may do (A4.1).

The city's administrator builds it as in production: the region tree, an agency (with its own system) in each
region, and operators of one district ("own"); "sibling" is the other district. Entries are compiled by their
agency and published by the city's reviewer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    city_admin,
    hub_on_fresh_databases,
    register_agency,
    register_client,
)

OWN, SIBLING = "320205", "320206"  # 锡山区 and 惠山区 of 无锡市
REGIONS = {"city": CITY, "own": OWN, "sibling": SIBLING}
NAMES = {"city": "无锡市", "own": "锡山区", "sibling": "惠山区"}
OPERATOR_ROLES = ("reviewer", "administrator", "inspector")


def elements(**overrides: Any) -> dict[str, Any]:
    """The elements of an entry ready for review."""
    return {
        "name": "用水户信息", "summary": "供水企业登记的用水户信息。", "classification": "01-02",
        "category": "department", "source_system": "供水营业系统", "format": "database",
        "share_type": "unconditional", "share_method": "api", "open_type": "not_open",
        "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "items": [
            {"name": "account_number", "label": "用水户号", "data_type": "string", "length": 20, "required": True,
             "key": True},
            {"name": "holder", "label": "户名", "data_type": "string", "length": 50, "required": True},
        ],
        **overrides,
    }  # fmt: skip


@dataclass
class Regional:
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]  # the city's administrator
    reviewer: dict[str, str]  # the city's reviewer
    agencies: dict[str, dict[str, Any]]  # "city" | "own" | "sibling" → the agency, its system's headers in "headers"
    district: dict[str, dict[str, str]] = field(default_factory=dict)  # role → headers of an operator of OWN

    async def entry(self, where: str, state: str = "published", **overrides: Any) -> dict[str, Any]:
        """A new entry of the agency of `where`, taken to `state` (draft, submitted or published)."""
        agency = self.agencies[where]
        body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": agency["region_code"],
                "provider_agency_id": agency["id"], **elements(**overrides)}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=agency["headers"])
        assert created.status_code == 201, created.text
        entry: dict[str, Any] = created.json()
        for step, headers in (("submit", agency["headers"]), ("approve", self.reviewer)):
            if state == "draft" or (state == "submitted" and step == "approve"):
                break
            moved = await self.gateway.post(f"/api/catalog/entries/{entry['id']}/{step}", headers=headers)
            assert moved.status_code == 200, moved.text
        return entry


@asynccontextmanager
async def regional_world(
    infra: Infra,
    keys: Keys,
    services: Sequence[str] = ("catalog", "gateway"),
    settings: dict[str, dict[str, Any]] | None = None,
) -> AsyncIterator[Regional]:
    """The hub running `services` (the gateway included), built as the module docstring says; dropped after.
    `settings` adds settings by service name."""
    extra = settings or {}
    async with hub_on_fresh_databases(
        infra, keys, services, settings_overrides=lambda name: dict(extra.get(name, {}))
    ) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        for where in ("own", "sibling"):
            body = {"code": REGIONS[where], "name": NAMES[where], "level": "district", "parent_code": CITY}
            assert (await gateway.post("/api/catalog/regions", json=body, headers=admin)).status_code == 201
        agencies = {where: await register_agency(gateway, admin, f"{NAMES[where]}水务局", code)
                    for where, code in REGIONS.items()}  # fmt: skip
        world = Regional(
            mesh, gateway, admin, await register_client(gateway, admin, "operator", ["reviewer"]), agencies
        )
        for role in OPERATOR_ROLES:
            world.district[role] = await register_client(gateway, admin, "operator", [role], region=OWN)
        yield world
