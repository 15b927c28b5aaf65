"""The world of the CKAN-compatible API's and the DCAT-AP feed's tests (issue 12, "Interoperability"): open-svc and the
gateway on the real PostgreSQL and Kafka, open-svc holding a published catalogue of open, conditionally open,
not-open, secret and retired entries of three agencies, and records of some of them in its replica.

The catalogue reaches open-svc's read model through the read model's own handlers (what its consumer runs for each
catalog.events message), in one transaction, with dates the tests choose; records are written to the replica's
table as its follower writes them. Nothing is mocked: the tests call the gateway over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from factories import agency_registered, entry_published
from harness import Infra, Keys, LocalMesh, hub_on_fresh_databases
from hub.contracts.catalog import AgencyRegistered, EntryPublished, EntryRetired
from hub.db import async_url
from open_svc.catalogue.service import directory, published_entries
from open_svc.replica.models import OpenRecord

SERVICES = ("open", "gateway")
SITE = "https://data.example.gov.cn"
# The records' items: a key, text, a number and a date; `internal_note` is held by the centre but not declared.
ITEMS: list[dict[str, Any]] = [
    {"name": "station", "label": "监测站点", "data_type": "string", "key": True, "required": True},
    {"name": "district", "label": "所在区", "data_type": "string"},
    {"name": "ph", "label": "pH值", "data_type": "decimal"},
    {"name": "sampled_on", "label": "采样日期", "data_type": "date"},
]  # fmt: skip


def when(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(tzinfo=UTC)


def records(count: int) -> list[dict[str, Any]]:
    """Water-quality records in key order; each also holds an undeclared item, never to be shown."""
    return [
        {"station": f"S{i:03d}", "district": "梁溪区" if i % 2 else "滨湖区", "ph": 7 + i / 10,
         "sampled_on": f"2026-01-{1 + i:02d}", "internal_note": "内部备注"}
        for i in range(count)
    ]  # fmt: skip


@dataclass
class World:
    mesh: LocalMesh
    sessionmaker: async_sessionmaker[Any]
    police: AgencyRegistered
    water: AgencyRegistered
    closed_only: AgencyRegistered  # an agency none of whose entries is open
    entries: dict[str, EntryPublished] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.mesh.url("gateway")

    def id(self, label: str) -> str:
        return str(self.entries[label].entry_id)

    async def publish(self, label: str, event: EntryPublished) -> EntryPublished:
        """The entry's version as open-svc's consumer applies a catalog.entry.published event."""
        async with self.sessionmaker() as session, session.begin():
            await published_entries.apply_published(session, event)
        self.entries[label] = event
        return event

    async def retire(self, label: str) -> None:
        event = self.entries[label]
        retired = EntryRetired(entry_id=event.entry_id, code=event.code, version=event.version,
                               region_code=event.region_code, provider_agency_id=event.provider_agency_id)  # fmt: skip
        async with self.sessionmaker() as session, session.begin():
            await published_entries.apply_retired(session, retired)

    async def replicate(self, label: str, rows: Sequence[dict[str, Any]]) -> None:
        """The records as the replica holds them: keyed by the key item's value as a JSON array."""
        entry_id = self.entries[label].entry_id
        async with self.sessionmaker() as session, session.begin():
            session.add_all(
                OpenRecord(entry_id=entry_id, key=json.dumps([r["station"]]), data=r, updated_at=datetime.now(UTC))
                for r in rows
            )


def entry(agency: AgencyRegistered, published: str, **overrides: Any) -> EntryPublished:
    values = {"provider_agency_id": agency.agency_id, "open_type": "unconditional", "secrecy": "public",
              "items": ITEMS, "published_at": when(published), **overrides}  # fmt: skip
    return entry_published(**values)


async def _catalogue(world: World) -> None:
    """The catalogue every test starts from: three open entries, and three that are not open data."""
    async with world.sessionmaker() as session, session.begin():
        for agency in (world.police, world.water, world.closed_only):
            await directory.apply_registered(session, agency)
    await world.publish("water_quality", entry(world.water, "2026-01-05T08:00:00", name="城市供水水质监测数据",
                        summary="全市各水厂出厂水的水质监测结果。", category="base",
                        base_database="natural_resources_geography",
                        update_cycle="monthly"))  # fmt: skip
    await world.publish("permits", entry(world.police, "2026-02-10T09:30:00", name="户籍迁入审批结果",
                        summary="户籍迁入审批的结果。", category="theme", base_database=None, open_type="conditional",
                        open_conditions="仅用于人口研究", update_cycle="daily"))  # fmt: skip
    await world.publish("stations", entry(world.water, "2025-12-20T10:00:00", name="水质监测站点分布",
                        summary="水质监测站点的位置。", category="department", base_database=None,
                        update_cycle="yearly"))  # fmt: skip
    await world.publish("closed", entry(world.closed_only, "2026-01-15T00:00:00", name="水质内部考核记录",
                        summary="不予开放的考核记录。", open_type="not_open",
                        open_legal_basis="《中华人民共和国个人信息保护法》"))  # fmt: skip
    await world.publish("secret", entry(world.police, "2026-01-16T00:00:00", name="水质应急预案", summary="涉密。",
                        secrecy="secret"))  # fmt: skip
    await world.publish("retired", entry(world.water, "2026-01-17T00:00:00", name="旧水质月报", summary="已停止。"))
    await world.retire("retired")
    # Records even of entries that are not open: the replica never receives them, and never serves them either.
    for label in ("water_quality", "permits", "closed", "secret"):
        await world.replicate(label, records(5))


@asynccontextmanager
async def interop_world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    """open-svc and the gateway, with the catalogue; the public reaches the hub at SITE (its links and IRIs); the
    tests' anonymous calls come from one address, so its rate limit is raised."""
    overrides: dict[str, dict[str, Any]] = {"open": {"HUB_PUBLIC_URL": SITE, "HUB_BUREAU_NAME": "无锡市大数据管理局"},
                 "gateway": {"HUB_RATE_LIMITS": {"anonymous": "10000/second"}}}  # fmt: skip
    async with hub_on_fresh_databases(
        infra, keys, SERVICES, settings_overrides=lambda name: dict(overrides.get(name, {}))
    ) as (mesh, _gateway):
        engine = create_async_engine(async_url(mesh.databases["open"]))
        try:
            world = World(
                mesh=mesh, sessionmaker=async_sessionmaker(engine, expire_on_commit=False),
                police=agency_registered(name="无锡市公安局"), water=agency_registered(name="无锡市水利局"),
                closed_only=agency_registered(name="无锡市审计局"),
            )  # fmt: skip
            await _catalogue(world)
            yield world
        finally:
            await engine.dispose()
