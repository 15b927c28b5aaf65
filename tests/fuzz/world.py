"""The hub the fuzzing suite attacks: all five services behind the gateway on real PostgreSQL and Kafka, the callers
it attacks them as, real resources for path parameters to name, and every service's own OpenAPI document."""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    city_admin,
    eventually,
    fresh_database,
    register_agency,
    register_client,
    running_mesh,
    token,
)
from hub.mesh import load_mesh

SERVICES = ("catalog", "share", "open", "aggregation", "gateway")
# The order the suite attacks them in: the big data centre before the catalogue, whose routes may retire the seeded
# entry (after which the centre rightly refuses its data, and the fuzzing would stop at that refusal).
ATTACK_ORDER = ("aggregation", "share", "open", "catalog", "gateway")
# Each service's probes answer on its own port only (the gateway answers its own, which answer 503 by design while a
# dependency is down): they are no route of the API a client calls.
PROBES = frozenset({"/healthz", "/readyz", "/metrics"})
# A district whose compilation rules the suite may rewrite without changing the city's, which the seeded entries
# follow (A13.2).
SANDBOX_REGION = "320213"
PORTAL_PASSWORD = "a long portal password"
# The fuzzing is about what inputs do, not how often they come: rates far beyond what the suite sends.
UNLIMITED = {
    kind: "100000/second"
    for kind in ("anonymous", "portal_user", "agency_system", "ingest_job", "agency_person", "operator")
}

PERSON_ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 50, "required": True},
    {"name": "age", "label": "年龄", "data_type": "integer", "length": 3},
    {"name": "registered_on", "label": "登记日期", "data_type": "date"},
]  # fmt: skip


def elements(**overrides: Any) -> dict[str, Any]:
    """The elements of an entry complete enough to be submitted (A13.1, A19.2, A22.1)."""
    return {
        "name": "居住登记信息", "summary": "居住登记的基本信息。", "classification": "01-02", "category": "theme",
        "source_system": "居住登记系统", "format": "database", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "tags": ["人口", "居住"], "items": PERSON_ITEMS, **overrides,
    }  # fmt: skip


def entry_code() -> str:
    """A fresh resource code in the city's default format."""
    return f"01-02/{uuid.uuid4().int % 10**6:06d}"


def person(n: int) -> dict[str, Any]:
    """One record of the seeded entry's items."""
    return {"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "age": 30, "registered_on": "2024-05-01"}


@dataclass
class Hub:
    """A running hub and what the suite knows about it."""

    mesh: LocalMesh
    callers: dict[str, dict[str, str]]  # identity → authorization headers
    known: dict[str, str]  # path parameter name → a real resource's id
    entry_code: str  # the seeded published entry's code
    portal_login: str  # the seeded portal user's login (password: PORTAL_PASSWORD)
    documents: dict[str, dict[str, Any]]  # service → the OpenAPI document it serves on its own port
    cache: dict[Any, Any] = field(default_factory=dict)  # generated inputs, shared by the suite's tests

    @property
    def gateway_url(self) -> str:
        return self.mesh.url("gateway")

    def base_url(self, service: str) -> str:
        """Where a client reaches the service: through the gateway, under its route prefix (A12.1)."""
        if service == "gateway":
            return self.gateway_url
        return f"{self.gateway_url}/api/{load_mesh().service(service).prefix}"


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class Seed:
    callers: dict[str, dict[str, str]]
    known: dict[str, str]
    entry_code: str
    portal_login: str


async def _seed(mesh: LocalMesh, gateway: httpx.AsyncClient) -> Seed:
    """The callers, and real resources of each kind a path parameter names."""
    admin = await city_admin(mesh, gateway)
    sandbox = {"code": SANDBOX_REGION, "name": "新吴区", "level": "district", "parent_code": CITY}
    _created(await gateway.post("/api/catalog/regions", json=sandbox, headers=admin))
    agency = await register_agency(gateway, admin, "无锡市公安局")
    system: dict[str, str] = agency["headers"]
    reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)
    inspector = await register_client(gateway, admin, "operator", ["inspector"], region=CITY)
    login = f"citizen-{uuid.uuid4().hex[:8]}"
    signup = {"login": login, "display_name": "市民", "password": PORTAL_PASSWORD}
    _created(await gateway.post("/portal/accounts", json=signup))
    portal = await token(gateway, login, PORTAL_PASSWORD)

    code = entry_code()
    body = {"code": code, "region_code": CITY, "provider_agency_id": agency["id"], **elements()}
    entry_id = str((_created(await gateway.post("/api/catalog/entries", json=body, headers=system)))["id"])
    _created(await gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=system))
    _created(await gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=reviewer))

    async def known_to_the_centre() -> bool:
        return (await gateway.get(f"/api/aggregation/entries/{entry_id}", headers=system)).status_code == 200

    await eventually(known_to_the_centre)
    spare = {"code": entry_code(), "region_code": CITY, "provider_agency_id": agency["id"], **elements()}
    draft_id = _created(await gateway.post("/api/catalog/entries", json=spare, headers=system))["id"]
    batch_id = str(uuid.uuid4())
    rows = "".join(json.dumps(person(n), ensure_ascii=False) + "\n" for n in range(2))
    pushed = await gateway.post(
        f"/api/aggregation/entries/{entry_id}/batches/{batch_id}",
        content=rows.encode(), headers={**system, "content-type": "application/x-ndjson"},
    )  # fmt: skip
    _created(pushed)
    consent = {"subject": "320200199001011234", "purpose": "办理居住证", "method": "政务服务网在线勾选同意",
               "scope": "居住地址", "entry_ids": [entry_id], "query_channel": "无锡市政务服务网",
               "correction_channel": "12345 政务服务热线", "given_at": "2025-01-02T03:04:05+08:00"}  # fmt: skip
    consent_id = (_created(await gateway.post("/api/aggregation/consents", json=consent, headers=system)))["id"]
    channel = {"agency_id": agency["id"], "counterpart": "无锡市民政局", "name": "前置机交换", "region_code": CITY,
               "deadline": "2026-12-31"}  # fmt: skip
    channel_id = (_created(await gateway.post("/admin/legacy-channels", json=channel, headers=admin)))["id"]
    throwaway = {"kind": "operator", "login": f"spare-{uuid.uuid4().hex[:8]}", "display_name": "备用账号",
                 "roles": ["reviewer"], "region_code": CITY, "password": "a long spare password"}  # fmt: skip
    client_id = _created(await gateway.post("/admin/clients", json=throwaway, headers=admin))["id"]
    key_id = _created(await gateway.post("/portal/api-keys", json={"name": "我的应用"}, headers=portal))["id"]

    callers = {"operator": admin, "agency": system, "anonymous": {}, "reviewer": reviewer, "inspector": inspector,
               "portal": portal}  # fmt: skip
    known = {
        "region_code": CITY, "agency_id": str(agency["id"]), "entry_id": entry_id, "batch_id": batch_id,
        "consent_id": str(consent_id), "channel_id": str(channel_id), "a": "1", "b": "1",
        "client_id": str(client_id), "key_id": str(key_id), "draft_entry_id": str(draft_id),
        "sandbox_region": SANDBOX_REGION,
    }  # fmt: skip
    return Seed(callers, known, code, login)


@contextlib.asynccontextmanager
async def running_hub(infra: Infra, keys: Keys) -> AsyncIterator[Hub]:
    """Start the whole hub on fresh databases, seed it, and drop the databases afterwards."""
    databases = {name: await fresh_database(infra, name) for name in SERVICES}
    # Backups the fuzzing starts (A31.1) are written here, never into the working directory.
    backups = tempfile.mkdtemp(prefix="hub-fuzz-backups-")
    settings: dict[str, dict[str, Any]] = {
        "gateway": {"HUB_RATE_LIMITS": UNLIMITED},
        "aggregation": {"HUB_BACKUP_DIR": backups},
    }
    try:
        async with running_mesh(
            SERVICES, infra=infra, keys=keys, databases=databases, topic_prefix=f"t{uuid.uuid4().hex[:10]}.",
            settings_overrides=lambda name: dict(settings.get(name, {})),
        ) as mesh, mesh.client("gateway") as gateway:  # fmt: skip
            gateway.timeout = httpx.Timeout(60.0)
            seed = await _seed(mesh, gateway)
            documents = {}
            for name in SERVICES:
                async with mesh.client(name) as own_port:
                    served = await own_port.get("/openapi.json")
                    assert served.status_code == 200, served.text
                    documents[name] = served.json()
            yield Hub(mesh, seed.callers, seed.known, seed.entry_code, seed.portal_login, documents)
    finally:
        for url in databases.values():
            await infra.drop_database(url)
        shutil.rmtree(backups, ignore_errors=True)
