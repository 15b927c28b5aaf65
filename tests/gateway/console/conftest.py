"""The world of the console's browser tests: the catalogue, the sharing and open platforms and the gateway on real
PostgreSQL and Kafka, and supervision-svc assembling the indicators from their events, with work waiting in every
queue.

The provider agency (人社局) has submitted an entry the city's reviewer has not yet reviewed (A14.1) and published a
conditionally shared and conditionally open one, which the consumer agency (民政局) applied for twice: once three
weeks ago, so both reviews are overdue (A20.2), and once today. A citizen applied three weeks ago to open the same
data, unanswered and overdue (A24.2), and reported an error in it (A26.1). A legacy channel is past its deadline
(A12.1). Operators sign in with passwords, as people do: the reviewer, the inspector, and the provider's officer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

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
    token,
)

SERVICES = ("catalog", "share", "open", "supervision", "gateway")
PASSWORD = "a long console password"
LATE = timedelta(days=21)  # past both time limits: 5 working days to review a share (A20.2), 10 to answer (A24.2)
ITEMS: list[dict[str, Any]] = [
    {"name": "person_no", "label": "参保编号", "data_type": "string", "length": 20, "required": True, "key": True,
     "sensitivity": "public"},
    {"name": "district", "label": "参保区", "data_type": "string", "length": 20},
    {"name": "insured_on", "label": "参保日期", "data_type": "date"},
]  # fmt: skip
UNCONDITIONAL_NOT_OPEN = {"share_type": "unconditional", "share_conditions": None, "share_legal_basis": None,
                          "open_type": "not_open", "open_conditions": None,
                          "open_legal_basis": "《中华人民共和国个人信息保护法》"}  # fmt: skip


def elements(name: str, **overrides: Any) -> dict[str, Any]:
    """The elements of an entry of the provider, shared and opened on conditions unless `overrides` say otherwise."""
    return {
        "name": name, "summary": f"{name}，按日更新。", "classification": "01-02", "category": "department",
        "source_system": "社保业务系统", "format": "database", "share_method": "api", "update_cycle": "daily",
        "share_type": "conditional", "share_conditions": "仅用于社保待遇资格认证",
        "share_legal_basis": "《社会保险法》第八十一条",
        "open_type": "conditional", "open_conditions": "申请人签订开放利用协议，数据仅用于申请所述用途。",
        "items": ITEMS, **overrides,
    }  # fmt: skip


@dataclass(frozen=True)
class Person:
    """Someone who signs in to the console with a password."""

    login: str
    password: str
    headers: dict[str, str]

    @property
    def subject(self) -> str:
        """The client id the hub records for them (the token's subject)."""
        claims: dict[str, Any] = jwt.decode(self.headers["authorization"].split()[1],
                                            options={"verify_signature": False})  # fmt: skip
        return str(claims["sub"])


@dataclass
class ConsoleWorld:
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]
    reviewer: Person
    inspector: Person
    officer: Person
    provider: dict[str, Any]
    consumer: dict[str, Any]
    submitted: dict[str, Any]  # the entry awaiting review: {id, code, name}
    conditional: str  # the published entry's id
    late_application: str  # share applications: reviews overdue, and due in the time limit
    fresh_application: str
    open_application: str  # overdue
    channel: str  # a legacy channel past its deadline

    @property
    def url(self) -> str:
        return self.mesh.url("gateway")

    async def application(self, application_id: str) -> dict[str, Any]:
        """A share application as the bureau's reviewer reads it."""
        answer = await self.gateway.get(f"/api/share/applications/{application_id}", headers=self.reviewer.headers)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        return found


async def person(gateway: httpx.AsyncClient, admin: dict[str, str], kind: str, role: str, **binding: Any) -> Person:
    login = f"{role.replace('_', '-')}-{uuid.uuid4().hex[:6]}"
    headers = await register_client(gateway, admin, kind, [role], login=login, password=PASSWORD, **binding)
    return Person(login, PASSWORD, headers)


def _created(answer: httpx.Response) -> dict[str, Any]:
    assert answer.status_code in (200, 201), f"{answer.request.method} {answer.request.url}: {answer.text}"
    body: dict[str, Any] = answer.json()
    return body


async def _entry(parts: dict[str, Any], name: str, *, publish: bool, **overrides: Any) -> dict[str, Any]:
    """An entry of the provider, submitted, and published by the reviewer if `publish`."""
    gateway, system = parts["gateway"], parts["provider"]["headers"]
    body = {"code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY,
            "provider_agency_id": parts["provider"]["id"], **elements(name, **overrides)}  # fmt: skip
    entry = _created(await gateway.post("/api/catalog/entries", json=body, headers=system))
    _created(await gateway.post(f"/api/catalog/entries/{entry['id']}/submit", headers=system))
    if publish:
        _created(await gateway.post(f"/api/catalog/entries/{entry['id']}/approve", headers=parts["reviewer"]))
    return {"id": str(entry["id"]), "code": body["code"], "name": name}


def _clock(mesh: LocalMesh, service: str, moment: datetime | None) -> None:
    """Set a service's clock (None: the system's again)."""
    mesh.services[service].app.state.clock = (lambda: moment) if moment else None


async def _share_application(mesh: LocalMesh, gateway: httpx.AsyncClient, consumer: dict[str, Any], entry: str,
                             applied_at: datetime | None) -> str:  # fmt: skip
    _clock(mesh, "share", applied_at)
    try:
        request = {"entry_id": entry, "items": ["person_no", "district"], "purpose": "养老待遇资格认证",
                   "legal_basis": "《社会保险法》: 待遇资格认证职责",
                   "valid_until": (datetime.now(UTC) + timedelta(days=300)).isoformat()}  # fmt: skip
        return str(_created(await gateway.post("/api/share/applications", json=request,
                                               headers=consumer["headers"]))["id"])  # fmt: skip
    finally:
        _clock(mesh, "share", None)


async def _open_application(mesh: LocalMesh, gateway: httpx.AsyncClient, entry: str) -> str:
    """A citizen's application to open the entry's data, made three weeks ago, and an error report on it."""
    login = f"citizen-{uuid.uuid4().hex[:6]}"
    _created(await gateway.post("/portal/accounts", json={"login": login, "display_name": "王小明",
                                                          "password": PASSWORD}))  # fmt: skip
    citizen = await token(gateway, login, PASSWORD)
    _clock(mesh, "open", datetime.now(UTC) - LATE)
    try:
        body = {"entry_id": entry, "purpose": "研究全市参保分布", "data_format": "api", "items": ["person_no"],
                "applicant": {"kind": "citizen", "name": "王小明", "identifier": "11010519491231002X",
                              "contact": "13912345678"}}  # fmt: skip
        application = _created(await gateway.post("/api/open/applications", json=body, headers=citizen))
    finally:
        _clock(mesh, "open", None)
    report = {"entry_id": entry, "kind": "error", "description": "参保日期与登记记录不一致。", "items": ["insured_on"]}
    _created(await gateway.post("/api/open/feedback", json=report, headers=citizen))
    return str(application["id"])


async def _held(mesh: LocalMesh, entry: str) -> None:
    """Once the sharing and open platforms hold the published entry (from catalog.events)."""
    query = "SELECT 1 FROM published_entries WHERE entry_id = $1"
    for service in ("share", "open"):
        database = mesh.databases[service]
        await eventually(lambda: rows(database, query, uuid.UUID(entry)), within=30)  # noqa: B023 - awaited at once


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[ConsoleWorld]:
    """The running hub with its queues filled, as the module docstring says; its databases dropped afterwards. Only
    test_browser uses it; module-scoped, it is stopped when that module ends (a "package" fixture here, outside a
    package, would be a session one)."""
    async with hub_on_fresh_databases(infra, keys, SERVICES) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        provider = await register_agency(gateway, admin, "无锡市人力资源和社会保障局")
        consumer = await register_agency(gateway, admin, "无锡市民政局")
        reviewer = await person(gateway, admin, "operator", "reviewer", region=CITY)
        inspector = await person(gateway, admin, "operator", "inspector", region=CITY)
        officer = await person(gateway, admin, "agency_person", "agency_officer", agency_id=provider["id"])
        parts = {"gateway": gateway, "provider": provider, "reviewer": reviewer.headers}
        submitted = await _entry(parts, "城乡居民养老保险参保信息", publish=False, **UNCONDITIONAL_NOT_OPEN)
        conditional = (await _entry(parts, "职工养老保险参保信息", publish=True))["id"]
        await _held(mesh, conditional)
        late = await _share_application(mesh, gateway, consumer, conditional, datetime.now(UTC) - LATE)
        fresh = await _share_application(mesh, gateway, consumer, conditional, None)
        opened = await _open_application(mesh, gateway, conditional)
        channel = {"agency_id": provider["id"], "counterpart": "无锡市民政局", "name": "社保前置机交换",
                   "region_code": CITY, "deadline": (date.today() - timedelta(days=10)).isoformat()}  # fmt: skip
        registered = _created(await gateway.post("/admin/legacy-channels", json=channel, headers=admin))
        yield ConsoleWorld(mesh, gateway, admin, reviewer, inspector, officer, provider, consumer, submitted,
                           conditional, late, fresh, opened, str(registered["id"]))  # fmt: skip
