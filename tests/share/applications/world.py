"""A hub for sharing tests: the catalogue, the sharing platform and the gateway on real PostgreSQL and Kafka, with the
city and two districts of catalog.regional (A4.1).

The provider is the city's agency (its system compiles entries, its officer reviews); the consumer is the district
("own") agency, applying through its system or its officer; the outsider is the sibling district's agency. The
city's reviewer publishes entries and reviews applications for the bureau; the district's operators are those of
catalog.regional. Everything goes through the gateway as a client would.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from catalog.regional import Regional, regional_world

from harness import Infra, Keys, eventually, records_of, register_client, rows

SERVICES = ("catalog", "share", "gateway")
BASIS = "《社会保险法》第八十一条"
NOT_SHARED_BASIS = "《中华人民共和国个人信息保护法》第二十八条"
ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 50, "required": True},
    {"name": "pension", "label": "养老金月额", "data_type": "decimal", "length": 12},
]  # fmt: skip
SHARE_TERMS: dict[str, dict[str, Any]] = {
    "unconditional": {"share_type": "unconditional", "share_conditions": None, "share_legal_basis": None},
    "conditional": {"share_type": "conditional", "share_conditions": "仅用于社保待遇资格认证",
                    "share_legal_basis": BASIS},
    "not_shared": {"share_type": "not_shared", "share_conditions": None, "share_legal_basis": NOT_SHARED_BASIS},
    "secret": {"share_type": "not_shared", "share_conditions": None, "share_legal_basis": NOT_SHARED_BASIS,
               "secrecy": "secret"},
}  # fmt: skip


def elements(terms: str, items: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The elements of an entry ready for review, shared on `terms` (a key of SHARE_TERMS)."""
    return {
        "name": "养老保险待遇信息", "summary": "养老保险待遇领取人员信息。", "classification": "01-02",
        "category": "department", "source_system": "社保业务系统", "format": "database", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "items": items if items is not None else ITEMS, **SHARE_TERMS[terms],
    }  # fmt: skip


@dataclass
class Party:
    """An agency of the world: its id, its system's and its officer's authorization headers."""

    id: str
    system: dict[str, str]
    officer: dict[str, str]


@dataclass
class SharingWorld:
    regional: Regional
    provider: Party
    consumer: Party
    outsider: Party

    @property
    def gateway(self) -> httpx.AsyncClient:
        return self.regional.gateway

    @property
    def reviewer(self) -> dict[str, str]:
        """The city's reviewer: publishes entries, reviews applications for the bureau of the city."""
        return self.regional.reviewer

    @property
    def district(self) -> dict[str, dict[str, str]]:
        """Operators of the consumer's district, by role."""
        return self.regional.district

    async def publish(self, terms: str, items: list[dict[str, Any]] | None = None) -> str:
        """A new entry of the provider, published on `terms`, once the sharing platform holds it."""
        code = f"01-02/{uuid.uuid4().int % 10**6:06d}"
        body = {"code": code, "region_code": "320200", "provider_agency_id": self.provider.id,
                **elements(terms, items)}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=self.provider.system)
        assert created.status_code == 201, created.text
        entry_id: str = created.json()["id"]
        await self._submit_and_approve(entry_id)
        await self.held(entry_id, version=1)
        return entry_id

    async def republish(
        self, entry_id: str, version: int, terms: str, items: list[dict[str, Any]] | None = None
    ) -> None:
        """Publish the entry's next version (`version`) on new terms, once the sharing platform holds it."""
        edited = await self.gateway.put(f"/api/catalog/entries/{entry_id}/draft", json=elements(terms, items),
                                        headers=self.provider.system)  # fmt: skip
        assert edited.status_code == 200, edited.text
        await self._submit_and_approve(entry_id)
        await self.held(entry_id, version=version)

    async def retire(self, entry_id: str) -> None:
        """Retire the entry, once the sharing platform knows."""
        retired = await self.gateway.post(f"/api/catalog/entries/{entry_id}/retire", headers=self.provider.system)
        assert retired.status_code == 200, retired.text
        await self.held(entry_id, retired=True)

    async def _submit_and_approve(self, entry_id: str) -> None:
        for step, headers in (("submit", self.provider.system), ("approve", self.reviewer)):
            moved = await self.gateway.post(f"/api/catalog/entries/{entry_id}/{step}", headers=headers)
            assert moved.status_code == 200, moved.text

    async def held(self, entry_id: str, *, version: int | None = None, retired: bool = False) -> None:
        """Wait until share-svc's read model holds the version (its reactions commit with it)."""
        query = "SELECT 1 FROM published_entries WHERE entry_id = $1 AND ($2::int IS NULL OR version = $2) " \
                "AND (retired_at IS NOT NULL) = $3"  # fmt: skip
        await eventually(lambda: rows(self.regional.mesh.databases["share"], query, uuid.UUID(entry_id), version,
                                      retired))  # fmt: skip

    async def apply(
        self, entry_id: str, *, headers: dict[str, str] | None = None, items: list[str] | None = None, **body: Any
    ) -> httpx.Response:
        """The consumer's system (or `headers`) applies for the entry's items, for a year."""
        items = ["id_number", "full_name"] if items is None else items
        request = {"entry_id": entry_id, "items": items, "purpose": "养老待遇资格认证",
                   "legal_basis": "《社会保险法》: 待遇资格认证职责",
                   "valid_until": (datetime.now(UTC) + timedelta(days=365)).isoformat(), **body}  # fmt: skip
        return await self.gateway.post("/api/share/applications", json=request, headers=headers or self.consumer.system)

    async def applied(self, entry_id: str, **kwargs: Any) -> dict[str, Any]:
        """An application made, as answered (201)."""
        response = await self.apply(entry_id, **kwargs)
        assert response.status_code == 201, response.text
        application: dict[str, Any] = response.json()
        return application

    async def review(
        self, application_id: str, party: str, decision: str, headers: dict[str, str], *,
        reasons: list[str] | None = None, risk_level: str = "low",
    ) -> httpx.Response:  # fmt: skip
        body = {"decision": decision, "reasons": reasons or [], "risk_level": risk_level}
        return await self.gateway.post(f"/api/share/applications/{application_id}/reviews/{party}", json=body,
                                       headers=headers)  # fmt: skip

    async def application(self, application_id: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """The application as its consumer reads it."""
        response = await self.gateway.get(f"/api/share/applications/{application_id}",
                                          headers=headers or self.consumer.system)  # fmt: skip
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def events(self, ce_type: str) -> list[dict[str, Any]]:
        """The bodies of the share.events records of one type, in order."""
        settings = self.regional.mesh.services["share"].app.state.settings
        try:
            records = await records_of(settings.kafka_bootstrap_servers, settings.topic("share.events"))
        except AssertionError:  # the topic does not exist until the outbox relay publishes its first event
            return []
        return [json.loads(r.value) for r in records if dict(r.headers)["ce_type"] == ce_type.encode()]


async def party(regional: Regional, where: str) -> Party:
    """The agency of `where` in the regional world, with an officer of its own."""
    agency = regional.agencies[where]
    officer = await register_client(regional.gateway, regional.admin, "agency_person", ["agency_officer"],
                                    region=agency["region_code"], agency_id=agency["id"])  # fmt: skip
    return Party(agency["id"], agency["headers"], officer)


@asynccontextmanager
async def sharing_world(
    infra: Infra, keys: Keys, settings: dict[str, dict[str, Any]] | None = None
) -> AsyncIterator[SharingWorld]:
    """The world, built as the module docstring says; its databases dropped after."""
    async with regional_world(infra, keys, SERVICES, settings) as regional:
        yield SharingWorld(regional, await party(regional, "city"), await party(regional, "own"),
                           await party(regional, "sibling"))  # fmt: skip
