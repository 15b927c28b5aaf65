"""A sharing world on the real mesh (catalog, share, gateway): a city and one of its districts, agencies with their
systems and officers, the bureau's operators, conditionally shared entries, and applications made and reviewed
through the gateway on share-svc's clock, which the tests move."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt

from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    city_admin,
    eventually,
    hub_on_fresh_databases,
    register_agency,
    register_client,
    rows,
)

DISTRICT = "320205"  # 锡山区, a district of 无锡市 (GB/T 2260)
# A Monday of a year the bundled working-day calendar covers, 09:00 in Wuxi.
T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
ELEMENTS: dict[str, Any] = {
    "name": "城乡居民基本养老保险参保信息",
    "summary": "参保人员的参保状态。",
    "classification": "01-02",
    "category": "theme",
    "source_system": "社会保险信息系统",
    "format": "database",
    "share_type": "conditional",
    "share_conditions": "仅用于社会救助资格审核",
    "share_legal_basis": "《社会保险法》",
    "share_method": "api",
    "open_type": "not_open",
    "open_legal_basis": "《中华人民共和国个人信息保护法》",
    "update_cycle": "monthly",
    "items": [
        {"name": "full_name", "label": "姓名", "data_type": "string", "length": 50, "required": True},
        {"name": "insured", "label": "参保状态", "data_type": "string", "length": 10},
    ],
}


def subject(headers: dict[str, str]) -> str:
    """The subject the gateway names a caller by (its client id): what every step is attributed to."""
    token = headers["authorization"].removeprefix("Bearer ")
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return str(claims["sub"])


@dataclass
class Clock:
    """share-svc's clock (app.state.clock), moved by the test."""

    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def at(self, moment: datetime) -> None:
        self.now = moment


@dataclass
class Agency:
    """An agency of the catalogue, its system's and its officer's authorization headers."""

    id: str
    system: dict[str, str]
    officer: dict[str, str]


@dataclass
class Sharing:
    gateway: httpx.AsyncClient
    mesh: LocalMesh
    admin: dict[str, str]  # the city's bureau administrator
    reviewer: dict[str, str]  # the city's bureau reviewer
    inspector: dict[str, str]
    district_admin: dict[str, str]
    district_reviewer: dict[str, str]
    provider: Agency  # 人社局 of the city: provides the city's entry
    consumer: Agency  # 民政局 of the city: applies for it
    other: Agency  # an agency party to nothing
    district_provider: Agency  # a district's agency: provides the district's entry
    clock: Clock = field(default_factory=Clock)

    async def entry(self, provider: Agency, region: str = CITY) -> str:
        """A conditionally shared entry of `provider`, published and held by share-svc."""
        body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": region,
                "provider_agency_id": provider.id, **ELEMENTS}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=provider.system)
        assert created.status_code == 201, created.text
        entry_id: str = created.json()["id"]
        for action, headers in (("submit", provider.system), ("approve", self.reviewer)):
            done = await self.gateway.post(f"/api/catalog/entries/{entry_id}/{action}", headers=headers)
            assert done.status_code == 200, done.text
        query = "SELECT 1 FROM published_entries WHERE entry_id = $1"
        await eventually(lambda: rows(self.mesh.databases["share"], query, uuid.UUID(entry_id)))
        return entry_id

    async def apply(self, entry_id: str, consumer: Agency | None = None) -> str:
        """The consumer's application for the entry, made now on share-svc's clock; its id."""
        until = self.clock.now + timedelta(days=300)
        body = {"entry_id": entry_id, "items": ["full_name", "insured"], "purpose": "最低生活保障资格审核",
                "legal_basis": "《社会救助暂行办法》第十一条", "valid_until": until.isoformat()}  # fmt: skip
        made = await self.gateway.post("/api/share/applications", json=body, headers=(consumer or self.consumer).system)
        assert made.status_code == 201, made.text
        assert made.json()["state"] == "requested", made.text
        return str(made.json()["id"])

    async def review(
        self, application_id: str, party: str, decision: str, headers: dict[str, str], reasons: list[str] | None = None
    ) -> dict[str, Any]:
        """One party's decision on the application, now on share-svc's clock."""
        body = {"decision": decision, "reasons": reasons or [], "risk_level": "medium"}
        url = f"/api/share/applications/{application_id}/reviews/{party}"
        done = await self.gateway.post(url, json=body, headers=headers)
        assert done.status_code == 200, done.text
        answer: dict[str, Any] = done.json()
        return answer

    async def refused(self, entry_id: str) -> str:
        """An application the provider refused, with reasons (A20.2); its id."""
        application_id = await self.apply(entry_id)
        refusal = ["申请用途超出《社会救助暂行办法》规定的核对范围"]
        refused = await self.review(application_id, "provider", "refuse", self.provider.officer, refusal)
        assert refused["state"] == "refused", refused
        return application_id

    async def application(self, application_id: str) -> dict[str, Any]:
        found = await self.gateway.get(f"/api/share/applications/{application_id}", headers=self.consumer.system)
        assert found.status_code == 200, found.text
        answer: dict[str, Any] = found.json()
        return answer


async def _agency(gateway: httpx.AsyncClient, admin: dict[str, str], name: str, region: str = CITY) -> Agency:
    agency = await register_agency(gateway, admin, name, region)
    officer = await register_client(gateway, admin, "agency_person", ["agency_officer"], region=region,
                                    agency_id=agency["id"])  # fmt: skip
    return Agency(agency["id"], agency["headers"], officer)


@asynccontextmanager
async def sharing_world(infra: Infra, keys: Keys) -> AsyncIterator[Sharing]:
    """The world, with share-svc on the test's clock (starting at T0); its databases dropped after. For a module:
    each test makes its own entries and applications and sets the clock it reads."""
    async with hub_on_fresh_databases(infra, keys, ("catalog", "share", "gateway")) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        district = {"code": DISTRICT, "name": "锡山区", "level": "district", "parent_code": CITY}
        assert (await gateway.post("/api/catalog/regions", json=district, headers=admin)).status_code == 201
        operators = [("reviewer", CITY), ("inspector", CITY), ("administrator", DISTRICT), ("reviewer", DISTRICT)]
        reviewer, inspector, district_admin, district_reviewer = await asyncio.gather(
            *(register_client(gateway, admin, "operator", [role], region=region) for role, region in operators)
        )
        names = [("无锡市人力资源和社会保障局", CITY), ("无锡市民政局", CITY), ("无锡市市场监督管理局", CITY),
                 ("锡山区医疗保障局", DISTRICT)]  # fmt: skip
        provider, consumer, other, district_provider = await asyncio.gather(
            *(_agency(gateway, admin, name, region) for name, region in names)
        )
        world = Sharing(gateway, mesh, admin, reviewer, inspector, district_admin, district_reviewer, provider,
                        consumer, other, district_provider)  # fmt: skip
        mesh.services["share"].app.state.clock = world.clock
        yield world
