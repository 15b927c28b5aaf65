"""The world of open-svc's access tests (A24.2, A24.3, A26.1, A27.1): the catalogue, open-svc and the gateway on real
PostgreSQL and Kafka, agencies with their systems and officers, portal users, and open entries published through the
catalogue and held by open-svc. Each test makes the entries and users it needs, so tests share one world."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
from open.hub import open_hub, replicate

from factories import agency_body
from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    eventually,
    register_client,
    rows,
    token,
)

PORTAL_PASSWORD = "a long portal password"

# A company register's items: what a conditional open dataset of legal persons typically holds.
COMPANY_ITEMS: list[dict[str, Any]] = [
    {"name": "credit_code", "label": "统一社会信用代码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "public"},
    {"name": "company_name", "label": "企业名称", "data_type": "string", "length": 100, "required": True},
    {"name": "legal_representative", "label": "法定代表人", "data_type": "string", "length": 50},
    {"name": "registered_capital", "label": "注册资本（万元）", "data_type": "decimal", "length": 20},
]  # fmt: skip


def elements(**overrides: Any) -> dict[str, Any]:
    """A conditionally open entry ready for review (A22.1: its conditions stated)."""
    return {
        "name": "企业登记信息",
        "summary": "全市企业的登记信息，包括名称、法定代表人和注册资本。",
        "classification": "02-01",
        "category": "base",
        "base_database": "legal_persons",
        "source_system": "市场主体登记系统",
        "format": "database",
        "share_type": "unconditional",
        "share_method": "api",
        "open_type": "conditional",
        "open_conditions": "申请人签订开放利用协议，数据仅用于申请所述用途。",
        "update_cycle": "daily",
        "items": COMPANY_ITEMS,
        **overrides,
    }


@dataclass
class Agency:
    id: str
    system: dict[str, str]  # its agency_system client's headers
    officer: dict[str, str]  # an agency_officer's headers


@dataclass
class World:
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]
    reviewer: dict[str, str]
    market: Agency  # the collecting agency of the datasets the tests publish
    other: Agency  # another agency
    topic_prefix: str
    kafka: str

    @property
    def open_db(self) -> str:
        return self.mesh.databases["open"]

    async def agency(self, name: str) -> Agency:
        """Another agency of the city, with its system and an officer."""
        return await _agency(self.gateway, self.admin, name)

    async def portal_user(self) -> dict[str, str]:
        """A new portal account's authorization headers (POST /portal/accounts, then a token)."""
        login = f"citizen-{uuid.uuid4().hex[:8]}"
        signup = {"login": login, "display_name": "市民", "password": PORTAL_PASSWORD}
        created = await self.gateway.post("/portal/accounts", json=signup)
        assert created.status_code == 201, created.text
        return await token(self.gateway, login, PORTAL_PASSWORD)

    async def publish(self, owner: Agency | None = None, /, **overrides: Any) -> str:
        """An entry of the owner (the market regulator by default), published by the bureau, once open-svc holds it."""
        owner = owner or self.market
        body = {"code": f"02-01/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY, "provider_agency_id": owner.id,
                **elements(**overrides)}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=owner.system)
        assert created.status_code == 201, created.text
        entry_id = str(created.json()["id"])
        submitted = await self.gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=owner.system)
        assert submitted.status_code == 200, submitted.text
        approved = await self.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=self.reviewer)
        assert approved.status_code == 200, approved.text
        query = "SELECT 1 FROM published_entries WHERE entry_id = $1"
        await eventually(lambda: rows(self.open_db, query, uuid.UUID(entry_id)))
        return entry_id

    async def rows(self, query: str, *args: object) -> list[asyncpg.Record]:
        """Rows of open-svc's own database."""
        return await rows(self.open_db, query, *args)

    async def replicate(self, entry_id: str, records: list[dict[str, Any]]) -> None:
        """The records as the replica holds them after the centre published them (open_records, keyed by the key
        item's value as a JSON array, as the centre keys them)."""
        await replicate(self.open_db, entry_id, records, key="credit_code", at=datetime.now(UTC))


async def _agency(gateway: httpx.AsyncClient, admin: dict[str, str], name: str) -> Agency:
    response = await gateway.post("/api/catalog/agencies", json=agency_body(name=name, region_code=CITY), headers=admin)
    assert response.status_code == 201, response.text
    agency_id = str(response.json()["id"])
    system = await register_client(gateway, admin, "agency_system", ["agency_system"], agency_id=agency_id)
    officer = await register_client(gateway, admin, "agency_person", ["agency_officer"], agency_id=agency_id)
    return Agency(agency_id, system, officer)


@asynccontextmanager
async def open_world(infra: Infra, keys: Keys, **open_settings: Any) -> AsyncIterator[World]:
    """A running hub with two agencies; its databases are dropped afterwards."""
    async with open_hub(infra, keys, **open_settings) as hub:
        market = await _agency(hub.gateway, hub.admin, "无锡市市场监督管理局")
        other = await _agency(hub.gateway, hub.admin, "无锡市交通运输局")
        yield World(hub.mesh, hub.gateway, hub.admin, hub.reviewer, market, other, hub.mesh.topic_prefix,
                    infra.kafka_bootstrap)  # fmt: skip
