"""share-svc keeps the published catalogue through the real mesh: an entry published, republished in a new version
and retired in catalog-svc reaches share-svc's read model, typed (A14.1, A19.1)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from harness import CITY, LocalMesh, MeshStarter, city_admin, eventually, register_agency, register_client
from hub.contracts.vocabulary import ShareMethod, ShareType
from hub.db import async_url
from hub.published_catalogue import PublishedVersion
from share_svc.catalogue.service import published_entries

pytestmark = pytest.mark.integration

ELEMENTS: dict[str, Any] = {
    "name": "常住人口基本信息",
    "summary": "全市常住人口的基本信息。",
    "classification": "01-02",
    "category": "theme",
    "source_system": "人口管理信息系统",
    "format": "database",
    "share_type": "unconditional",
    "share_method": "api",
    "open_type": "not_open",
    "open_legal_basis": "《中华人民共和国个人信息保护法》",
    "update_cycle": "daily",
    "items": [{"name": "full_name", "label": "姓名", "data_type": "string", "length": 50, "required": True}],
}
# The next version shares on conditions, with the legal basis and conditions A19.2 asks for.
CONDITIONAL = {**ELEMENTS, "share_type": "conditional", "share_conditions": "仅用于社保待遇资格认证",
               "share_legal_basis": "《社会保险法》"}  # fmt: skip


@dataclass
class ShareReadModel:
    """share-svc's database, read with share-svc's own query."""

    sessions: async_sessionmaker[AsyncSession]

    async def held(self, entry_id: str) -> PublishedVersion | None:
        async with self.sessions() as session:
            row = await published_entries.entry(session, uuid.UUID(entry_id))
            return row.snapshot() if row else None

    async def at_version(self, entry_id: str, version: int) -> PublishedVersion | None:
        entry = await self.held(entry_id)
        return entry if entry is not None and entry.version == version else None

    async def retired(self, entry_id: str) -> PublishedVersion | None:
        entry = await self.held(entry_id)
        return entry if entry is not None and entry.retired else None


@asynccontextmanager
async def share_read_model(mesh: LocalMesh) -> AsyncIterator[ShareReadModel]:
    engine = create_async_engine(async_url(mesh.databases["share"]))
    try:
        yield ShareReadModel(async_sessionmaker(engine))
    finally:
        await engine.dispose()


async def test_an_entry_published_republished_and_retired_in_the_catalogue_is_followed_by_share_svc_A14_1(
    start_mesh: MeshStarter,
) -> None:
    async with (
        start_mesh(["catalog", "share", "gateway"]) as mesh,
        mesh.client("gateway") as gateway,
        share_read_model(mesh) as share,
    ):
        admin = await city_admin(mesh, gateway)
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)
        police = await register_agency(gateway, admin, "无锡市公安局")
        body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY,
                "provider_agency_id": police["id"], **ELEMENTS}  # fmt: skip
        created = await gateway.post("/api/catalog/entries", json=body, headers=police["headers"])
        assert created.status_code == 201, created.text
        entry_id = created.json()["id"]

        async def catalogue(method: str, action: str, headers: dict[str, str], json: Any = None) -> None:
            response = await gateway.request(method, f"/api/catalog/entries/{entry_id}/{action}", json=json,
                                             headers=headers)  # fmt: skip
            assert response.status_code == 200, response.text

        await catalogue("POST", "submit", police["headers"])
        await catalogue("POST", "approve", reviewer)
        first = await eventually(lambda: share.held(entry_id))
        assert (first.version, first.share_type, first.share_method) == (1, ShareType.unconditional, ShareMethod.api)

        await catalogue("PUT", "draft", police["headers"], CONDITIONAL)
        await catalogue("POST", "submit", police["headers"])
        await catalogue("POST", "approve", reviewer)
        second = await eventually(lambda: share.at_version(entry_id, 2))
        assert (second.share_type, second.share_conditions) == (ShareType.conditional, "仅用于社保待遇资格认证")
        assert (second.provider_agency_id, second.retired) == (uuid.UUID(police["id"]), False)

        await catalogue("POST", "retire", police["headers"])
        retired = await eventually(lambda: share.retired(entry_id))
        assert retired.version == 2
