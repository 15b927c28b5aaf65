"""The world of the open platform's dataset, open-list and quality tests (A23.1, A24.1, A25.1): the catalogue,
open-svc and the gateway on real PostgreSQL and Kafka, two agencies with their systems, a bureau reviewer, and
entries published, republished and retired through the catalogue, as the public sees them through the gateway.

Records reach open-svc's replica table as the replica's follower would write them (`open_records`: the records of
open entries, keyed by the key items' values as a JSON array); inserting them is writing that very table, not a
mock of it. Each test makes the entries it needs under words of its own, so tests share one world.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
)

# The items of a social-insurance payment dataset: a key, text, a number and a date.
ITEMS: list[dict[str, Any]] = [
    {"name": "record_no", "label": "缴费记录编号", "data_type": "string", "length": 20, "required": True,
     "key": True, "sensitivity": "public"},
    {"name": "payer", "label": "缴费单位", "data_type": "string", "length": 100, "required": True},
    {"name": "amount", "label": "缴费金额", "data_type": "decimal", "length": 12},
    {"name": "paid_on", "label": "缴费日期", "data_type": "date"},
]  # fmt: skip
NOT_OPEN: dict[str, Any] = {"open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》第二十八条"}
SECRET: dict[str, Any] = {**NOT_OPEN, "secrecy": "secret", "share_type": "not_shared",
          "share_legal_basis": "《中华人民共和国保守国家秘密法》"}  # fmt: skip


def elements(**overrides: Any) -> dict[str, Any]:
    """An unconditionally open entry ready for review."""
    return {
        "name": "社会保险缴费记录",
        "summary": "全市参保单位的社会保险缴费记录。",
        "classification": "03-01",
        "category": "theme",
        "source_system": "社会保险信息系统",
        "format": "database",
        "share_type": "unconditional",
        "share_method": "api",
        "open_type": "unconditional",
        "update_cycle": "monthly",
        "items": ITEMS,
        **overrides,
    }


@dataclass
class Agency:
    id: str
    system: dict[str, str]  # its agency_system client's headers


@dataclass
class World:
    mesh: LocalMesh
    gateway: httpx.AsyncClient  # no credentials: every request is anonymous unless headers say otherwise
    admin: dict[str, str]
    reviewer: dict[str, str]
    hrss: Agency  # 人力资源和社会保障局: the agency most tests publish under
    transport: Agency  # 交通运输局
    topic_prefix: str
    kafka: str

    @property
    def open_db(self) -> str:
        return self.mesh.databases["open"]

    async def agency(self, name: str) -> Agency:
        """Another agency of the city, with its system."""
        return await _agency(self.gateway, self.admin, name)

    async def publish(self, owner: Agency | None = None, /, **overrides: Any) -> str:
        """A new entry of the owner (人社局 by default), approved by the bureau, once open-svc holds it."""
        owner = owner or self.hrss
        body = {"code": f"03-01/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY, "provider_agency_id": owner.id,
                **elements(**overrides)}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=owner.system)
        assert created.status_code == 201, created.text
        entry_id = str(created.json()["id"])
        await self._review(owner, entry_id, 1)
        return entry_id

    async def republish(self, entry_id: str, version: int, owner: Agency | None = None, **overrides: Any) -> None:
        """A new version of the entry with these elements changed, approved, once open-svc holds it."""
        owner = owner or self.hrss
        draft = await self.gateway.put(f"/api/catalog/entries/{entry_id}/draft", json=elements(**overrides),
                                       headers=owner.system)  # fmt: skip
        assert draft.status_code == 200, draft.text
        await self._review(owner, entry_id, version)

    async def retire(self, entry_id: str, owner: Agency | None = None) -> None:
        """The entry leaves the catalogue, once open-svc knows."""
        owner = owner or self.hrss
        retired = await self.gateway.post(f"/api/catalog/entries/{entry_id}/retire", headers=owner.system)
        assert retired.status_code == 200, retired.text
        query = "SELECT 1 FROM published_entries WHERE entry_id = $1 AND retired_at IS NOT NULL"
        await eventually(lambda: rows(self.open_db, query, uuid.UUID(entry_id)))

    async def _review(self, owner: Agency, entry_id: str, version: int) -> None:
        submitted = await self.gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=owner.system)
        assert submitted.status_code == 200, submitted.text
        approved = await self.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=self.reviewer)
        assert approved.status_code == 200, approved.text
        query = "SELECT 1 FROM published_entries WHERE entry_id = $1 AND version = $2"
        await eventually(lambda: rows(self.open_db, query, uuid.UUID(entry_id), version))

    async def replicate(self, entry_id: str, records: list[dict[str, Any]], at: datetime | None = None) -> None:
        """The records as the replica holds them once the centre published them: keyed by the key item's value as a
        JSON array, as the centre keys them."""
        await replicate(self.open_db, entry_id, records, key="record_no", at=at or datetime.now(UTC))

    async def get(self, path: str, **params: Any) -> httpx.Response:
        """An anonymous GET of the open platform through the gateway."""
        return await self.gateway.get(f"/api/open{path}", params=params)

    async def ok(self, path: str, **params: Any) -> Any:
        """The JSON of an anonymous GET that must succeed."""
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


def payments(count: int, prefix: str = "R") -> list[dict[str, Any]]:
    """Payment records with distinct keys, in key order."""
    return [
        {"record_no": f"{prefix}{i:05d}", "payer": f"无锡市第{i}建筑有限公司", "amount": 1000 + i,
         "paid_on": f"2026-0{1 + i % 9}-15"}
        for i in range(count)
    ]  # fmt: skip


async def _agency(gateway: httpx.AsyncClient, admin: dict[str, str], name: str) -> Agency:
    response = await gateway.post("/api/catalog/agencies", json=agency_body(name=name, region_code=CITY), headers=admin)
    assert response.status_code == 201, response.text
    agency_id = str(response.json()["id"])
    system = await register_client(gateway, admin, "agency_system", ["agency_system"], agency_id=agency_id)
    return Agency(agency_id, system)


@asynccontextmanager
async def datasets_world(infra: Infra, keys: Keys, **open_settings: Any) -> AsyncIterator[World]:
    """A running hub with two agencies; its databases are dropped afterwards."""
    settings = {"open_counter_flush_seconds": 0.1, **open_settings}
    async with open_hub(infra, keys, **settings) as hub:
        hrss = await _agency(hub.gateway, hub.admin, "无锡市人力资源和社会保障局")
        transport = await _agency(hub.gateway, hub.admin, "无锡市交通运输局")
        yield World(hub.mesh, hub.gateway, hub.admin, hub.reviewer, hrss, transport, hub.mesh.topic_prefix,
                    infra.kafka_bootstrap)  # fmt: skip
