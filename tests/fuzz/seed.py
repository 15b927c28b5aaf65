"""What the fuzzing names, made through the gateway as the hub's users make it: the callers, and for every path
parameter a real resource in the state the route acts on, so that a hostile value gets past the lookup, the caller's
scope and the lifecycle to the code (and the database) behind them.

Independent chains run concurrently: the seed runs once per suite, and most of its time is spent waiting for events
to cross the mesh.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from fuzz.bodies import (
    CONDITIONAL_SHARING,
    PORTAL_PASSWORD,
    company,
    company_elements,
    created,
    elements,
    entry_code,
    person,
)
from fuzz.resources import (
    AGREEMENT,
    Maker,
    data_key,
    demanded,
    reported,
    share_applied,
    share_escalated,
    share_granted,
)
from harness import CITY, LocalMesh, city_admin, eventually, register_agency, register_client, rows, token

# A district whose compilation rules the suite may rewrite without changing the city's, which the seeded entries
# follow (A13.2).
SANDBOX_REGION = "320213"
HELD = "SELECT 1 FROM published_entries WHERE entry_id = $1"


@dataclass
class Seed:
    callers: dict[str, dict[str, str]]  # identity → authorization headers
    known: dict[str, str]  # path parameter name (or a resource's role) → a real resource's id, for every service
    scoped: dict[str, dict[str, str]]  # service → the same, where the service's parameter names another resource


async def _portal_user(gateway: httpx.AsyncClient) -> tuple[str, dict[str, str]]:
    login = f"citizen-{uuid.uuid4().hex[:8]}"
    signup = {"login": login, "display_name": "市民", "password": PORTAL_PASSWORD}
    created(await gateway.post("/portal/accounts", json=signup))
    return login, await token(gateway, login, PORTAL_PASSWORD)


async def _callers(mesh: LocalMesh, gateway: httpx.AsyncClient) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """The bureau's operators, the provider agency's system and officer, the consumer agency's system, two
    citizens; and the agencies' ids and the first citizen's login."""
    admin = await city_admin(mesh, gateway)
    sandbox = {"code": SANDBOX_REGION, "name": "新吴区", "level": "district", "parent_code": CITY}
    created(await gateway.post("/api/catalog/regions", json=sandbox, headers=admin))
    provider = await register_agency(gateway, admin, "无锡市公安局")
    reviewer, inspector, officer, consumer, (login, portal), (_, neighbour) = await asyncio.gather(
        register_client(gateway, admin, "operator", ["reviewer"], region=CITY),
        register_client(gateway, admin, "operator", ["inspector"], region=CITY),
        # An officer of the provider agency: reviews and answers for it (A20.2, A24.2, A26.1).
        register_client(gateway, admin, "agency_person", ["agency_officer"], agency_id=provider["id"]),
        # Another agency of the city, which applies for the provider's data (A21.1).
        register_agency(gateway, admin, "无锡市民政局"),
        _portal_user(gateway),
        _portal_user(gateway),  # another citizen: its demand is one the first has not voted for (A27.1)
    )
    callers = {"operator": admin, "agency": provider["headers"], "anonymous": {}, "reviewer": reviewer,
               "inspector": inspector, "portal": portal, "officer": officer, "consumer": consumer["headers"],
               "neighbour": neighbour}  # fmt: skip
    return callers, {"agency_id": str(provider["id"]), "consumer_agency_id": str(consumer["id"]), "login": login}


async def _published(gateway: httpx.AsyncClient, callers: dict[str, dict[str, str]], body: dict[str, Any]) -> str:
    """An entry of the city, submitted by its agency's system and approved by the bureau; its id."""
    system = callers["agency"]
    entry_id = str(created(await gateway.post("/api/catalog/entries", json=body, headers=system))["id"])
    created(await gateway.post(f"/api/catalog/entries/{entry_id}/submit", headers=system))
    created(await gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=callers["reviewer"]))
    return entry_id


async def _pushed(gateway: httpx.AsyncClient, system: dict[str, str], entry_id: str, records: list[Any]) -> str:
    """A batch of records pushed to the big data centre once it holds the entry; the batch's id."""

    async def known_to_the_centre() -> bool:
        return (await gateway.get(f"/api/aggregation/entries/{entry_id}", headers=system)).status_code == 200

    await eventually(known_to_the_centre)
    batch_id = str(uuid.uuid4())
    lines = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    headers = {**system, "content-type": "application/x-ndjson"}
    url = f"/api/aggregation/entries/{entry_id}/batches/{batch_id}"
    created(await gateway.post(url, content=lines.encode(), headers=headers))
    return batch_id


async def _held(mesh: LocalMesh, service: str, entry_id: str) -> None:
    """Once the service holds the published entry (from catalog.events)."""
    await eventually(lambda: rows(mesh.databases[service], HELD, uuid.UUID(entry_id)))


async def _sharing(maker: Maker) -> dict[str, str]:
    """An application under review, a refused one and its dispute (referred to the government), a grant."""
    made = await asyncio.gather(share_applied(maker), share_escalated(maker), share_granted(maker))
    return dict(zip(("application_id", "dispute_id", "grant_id"), made, strict=True))


async def _opening(maker: Maker) -> dict[str, str]:
    """The open-use agreement in force, an agreed application and its data key, an error report, a demand."""
    version = (await maker.post("operator", "/api/open/agreements", AGREEMENT))["version"]
    key, report_id, demand_id = await asyncio.gather(data_key(maker), reported(maker), demanded(maker))
    return {"application_id": key["application_id"], "key_id": key["id"], "data_key": key["data_key"],
            "report_id": report_id, "demand_id": demand_id, "version": str(version),
            "entry_id": maker.known["open_entry_id"], "name": "package_search",
            "portal_asset": "portal.css"}  # fmt: skip


async def _other_resources(
    gateway: httpx.AsyncClient, callers: dict[str, dict[str, str]], known: dict[str, str]
) -> dict[str, str]:
    """A spare draft entry, a consent, a legacy channel, a spare operator, a citizen's API key."""
    system, admin, agency_id = callers["agency"], callers["operator"], known["agency_id"]
    spare = {"code": entry_code(), "region_code": CITY, "provider_agency_id": agency_id, **elements()}
    consent = {"subject": "320200199001011234", "purpose": "办理居住证", "method": "政务服务网在线勾选同意",
               "scope": "居住地址", "entry_ids": [known["entry_id"]], "query_channel": "无锡市政务服务网",
               "correction_channel": "12345 政务服务热线", "given_at": "2025-01-02T03:04:05+08:00"}  # fmt: skip
    channel = {"agency_id": agency_id, "counterpart": "无锡市民政局", "name": "前置机交换", "region_code": CITY,
               "deadline": "2026-12-31"}  # fmt: skip
    throwaway = {"kind": "operator", "login": f"spare-{uuid.uuid4().hex[:8]}", "display_name": "备用账号",
                 "roles": ["reviewer"], "region_code": CITY, "password": "a long spare password"}  # fmt: skip
    made = await asyncio.gather(
        gateway.post("/api/catalog/entries", json=spare, headers=system),
        gateway.post("/api/aggregation/consents", json=consent, headers=system),
        gateway.post("/admin/legacy-channels", json=channel, headers=admin),
        gateway.post("/admin/clients", json=throwaway, headers=admin),
        gateway.post("/portal/api-keys", json={"name": "我的应用"}, headers=callers["portal"]),
    )
    names = ("draft_entry_id", "consent_id", "channel_id", "client_id", "key_id")
    return {name: str(created(answer)["id"]) for name, answer in zip(names, made, strict=True)}


async def seed(mesh: LocalMesh, gateway: httpx.AsyncClient) -> Seed:
    """The callers, and real resources of each kind a path parameter names."""
    callers, ids = await _callers(mesh, gateway)
    system = callers["agency"]
    code, owned = entry_code(), {"region_code": CITY, "provider_agency_id": ids["agency_id"]}
    bodies = [
        {"code": code, **owned, **elements()},  # shared unconditionally, not open
        {"code": entry_code(), **owned, **company_elements("conditional", **CONDITIONAL_SHARING)},  # on conditions
        {"code": entry_code(), **owned, **company_elements("unconditional")},  # shared and opened unconditionally
    ]
    base, conditional, open_entry = await asyncio.gather(*(_published(gateway, callers, body) for body in bodies))
    pushes = asyncio.gather(
        _pushed(gateway, system, base, [person(n) for n in range(2)]),
        # The open datasets' records reach open-svc's replica from the centre: previews, downloads and keyed
        # records have rows to serve.
        _pushed(gateway, system, open_entry, [company(n) for n in range(3)]),
        _pushed(gateway, system, conditional, [company(n) for n in range(3)]),
    )
    held = [_held(mesh, "share", base), _held(mesh, "share", conditional), _held(mesh, "open", open_entry),
            _held(mesh, "open", conditional)]  # fmt: skip
    (batch_id, *_), _ = await asyncio.gather(pushes, asyncio.gather(*held))
    known = {"region_code": CITY, "agency_id": ids["agency_id"], "consumer_agency_id": ids["consumer_agency_id"],
             "entry_id": base, "conditional_entry_id": conditional, "open_entry_id": open_entry, "batch_id": batch_id,
             "a": "1", "b": "1", "sandbox_region": SANDBOX_REGION, "entry_code": code,
             "portal_login": ids["login"], "console_asset": "console.css",
             "vendor_asset": "echarts.min.js"}  # fmt: skip
    maker = Maker(gateway, "", callers, known)
    others, share, opening = await asyncio.gather(
        _other_resources(gateway, callers, known), _sharing(maker), _opening(maker)
    )
    return Seed(callers, {**known, **others}, {"share": share, "open": opening})
