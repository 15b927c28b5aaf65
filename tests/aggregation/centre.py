"""The world of the big data centre's integration tests: a hub with the catalogue, the centre and the gateway on
real PostgreSQL and Kafka, agencies whose published entries the tests push data for, and helpers to call it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from factories import agency_body
from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    city_admin,
    eventually,
    hub_on_fresh_databases,
    register_client,
)
from hub.db import async_url

DISTRICT = "320205"

PERSON_ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 10, "required": True},
    {"name": "age", "label": "年龄", "data_type": "integer", "length": 3},
    {"name": "registered_on", "label": "登记日期", "data_type": "date"},
]  # fmt: skip


def elements(**overrides: Any) -> dict[str, Any]:
    """The elements of an entry ready for review, with person-like items."""
    return {
        "name": "居住登记信息",
        "summary": "居住登记的基本信息。",
        "classification": "01-02",
        "category": "theme",
        "source_system": "居住登记系统",
        "format": "database",
        "share_type": "unconditional",
        "share_method": "api",
        "open_type": "not_open",
        "open_legal_basis": "《中华人民共和国个人信息保护法》",
        "update_cycle": "daily",
        "items": PERSON_ITEMS,
        **overrides,
    }


def person(n: int, **overrides: Any) -> dict[str, Any]:
    return {"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "age": 30, **overrides}


def ndjson(rows: Iterable[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()


NDJSON_TYPE = "application/x-ndjson"


@dataclass
class Agency:
    id: str
    region_code: str
    system: dict[str, str]  # an agency_system client's headers
    job: dict[str, str]  # an ingest_job client's headers


@dataclass
class World:
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]
    reviewer: dict[str, str]
    district_reviewer: dict[str, str]
    police: Agency
    water: Agency
    topic_prefix: str
    kafka: str
    aggregation_db: AsyncEngine

    async def publish(self, owner: Agency, **overrides: Any) -> str:
        """An entry of the owner, published by the bureau and known to the big data centre."""
        body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": owner.region_code,
                "provider_agency_id": owner.id, **elements(**overrides)}  # fmt: skip
        created = await self.gateway.post("/api/catalog/entries", json=body, headers=owner.system)
        assert created.status_code == 201, created.text
        entry_id = str(created.json()["id"])
        submitted = await self.gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=owner.system)
        assert submitted.status_code == 200, submitted.text
        approved = await self.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=self.reviewer)
        assert approved.status_code == 200, approved.text
        await self.known(entry_id, owner)
        return entry_id

    async def known(self, entry_id: str, owner: Agency, version: int = 1) -> dict[str, Any]:
        async def check() -> dict[str, Any] | None:
            response = await self.gateway.get(f"/api/aggregation/entries/{entry_id}", headers=owner.system)
            known: dict[str, Any] = response.json()
            return known if response.status_code == 200 and known["version"] >= version else None

        found: dict[str, Any] = await eventually(check)
        return found

    async def push(
        self, entry_id: str, batch_id: str, body: Any, headers: dict[str, str], content_type: str = NDJSON_TYPE,
        mode: str | None = None,
    ) -> httpx.Response:  # fmt: skip
        return await self.gateway.post(
            f"/api/aggregation/entries/{entry_id}/batches/{batch_id}", params={"mode": mode} if mode else None,
            content=body, headers={**headers, "content-type": content_type},
        )  # fmt: skip

    async def report(self, entry_id: str, batch_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
        return await self.gateway.get(
            f"/api/aggregation/entries/{entry_id}/batches/{batch_id}", headers=headers, params=params
        )

    async def records(self, entry_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
        return await self.gateway.get(f"/api/aggregation/entries/{entry_id}/records", headers=headers, params=params)

    async def all_records(self, entry_id: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
        """Every deliverable record, as one NDJSON stream."""
        response = await self.gateway.get(
            f"/api/aggregation/entries/{entry_id}/records",
            headers={**headers, "accept": "application/x-ndjson"}, params=params,
        )  # fmt: skip
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in response.text.splitlines()]

    async def history(self, entry_id: str, headers: dict[str, str], **key: str) -> httpx.Response:
        params = {f"key.{name}": value for name, value in key.items()}
        return await self.gateway.get(f"/api/aggregation/entries/{entry_id}/history", headers=headers, params=params)

    async def rows(self, query: str, **params: Any) -> list[Any]:
        """Rows of the big data centre's own database (what the API does not show: counts of history, etc.)."""
        async with self.aggregation_db.connect() as conn:
            return list((await conn.execute(text(query), params)).all())


async def register_agency(gateway: httpx.AsyncClient, admin: dict[str, str], name: str, region: str) -> Agency:
    body = agency_body(name=name, region_code=region)
    response = await gateway.post("/api/catalog/agencies", json=body, headers=admin)
    assert response.status_code == 201, response.text
    agency_id = str(response.json()["id"])
    system = await register_client(gateway, admin, "agency_system", ["agency_system"], region=region,
                                   agency_id=agency_id)  # fmt: skip
    job = await register_client(gateway, admin, "ingest_job", ["ingest_job"], region=region, agency_id=agency_id)
    return Agency(agency_id, region, system, job)


@asynccontextmanager
async def centre_world(
    infra: Infra, keys: Keys, services: Sequence[str] = ("catalog", "aggregation", "gateway"),
    centre_infra: Infra | None = None, **mesh_options: Any,
) -> AsyncIterator[World]:  # fmt: skip
    """A running hub and its agencies; its databases are dropped afterwards. The centre's database is on
    `centre_infra`'s server when given (one a test may stop), the others on `infra`'s."""
    async with hub_on_fresh_databases(
        infra, keys, services, database_servers={"aggregation": centre_infra or infra}, **mesh_options
    ) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        district = {"code": DISTRICT, "name": "锡山区", "level": "district", "parent_code": CITY}
        assert (await gateway.post("/api/catalog/regions", json=district, headers=admin)).status_code == 201
        engine = create_async_engine(async_url(mesh.databases["aggregation"]))
        try:
            yield World(
                mesh=mesh,
                gateway=gateway,
                admin=admin,
                reviewer=await register_client(gateway, admin, "operator", ["reviewer"], region=CITY),
                district_reviewer=await register_client(gateway, admin, "operator", ["reviewer"], region=DISTRICT),
                police=await register_agency(gateway, admin, "无锡市公安局", CITY),
                water=await register_agency(gateway, admin, "无锡市水利局", CITY),
                topic_prefix=mesh.topic_prefix,
                kafka=infra.kafka_bootstrap,
                aggregation_db=engine,
            )
        finally:
            await engine.dispose()


async def ingest_in_flight(world: World) -> bool:
    """Whether a batch's transaction is open in the centre's database and has written records already (its
    last statement COPYed rows into the records or their history)."""
    rows = await world.rows(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_xid IS NOT NULL AND query ~ '^COPY .*record'"
    )
    return bool(rows[0][0])


async def rolled_back(world: World) -> bool:
    return not await ingest_in_flight(world)


async def streamed_rows(
    rows: int, *, chunk: int = 1000, cut: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[bytes]:
    """A batch of `rows` people as an NDJSON stream; with `cut`, half of it, then `cut()`, then an error."""
    for start in range(0, rows // 2 if cut else rows, chunk):
        yield ndjson(person(n) for n in range(start, min(start + chunk, rows)))
    if cut is not None:
        await cut()
        raise ConnectionAbortedError("the pusher went away mid-batch")


def consent_body(entry_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "subject": "320200199001011234", "purpose": "办理居住证", "method": "政务服务网在线勾选同意",
        "scope": "居住地址、联系电话", "entry_ids": [entry_id], "query_channel": "无锡市政务服务网“我的数据”",
        "correction_channel": "12345 政务服务热线", "given_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
        **overrides,
    }  # fmt: skip


async def record_consent(world: World, entry_id: str, **overrides: Any) -> str:
    response = await world.gateway.post(
        "/api/aggregation/consents", json=consent_body(entry_id, **overrides), headers=world.police.system
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])
