"""The world of the portal's tests: the catalogue, the big data centre, open-svc and the gateway on real PostgreSQL and
Kafka (aggregation.centre's world), with datasets published through the catalogue and their records pushed to the
centre, which replicates the open ones to open-svc over the open-records changelog, as citizens then find them.

Published: an unconditionally open dataset of bicycle stations (交通运输局), a conditionally open dataset of dog
registrations (公安局, whose officer answers applications), and two entries the public must never see, a not-open
one and a secret one, whose names share the searched word 站点 with the open dataset and whose records are pushed
too (A22.1, A38.1). The bureau's administrator has published the open-use agreement (A24.3).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from aggregation.centre import Agency, World, centre_world, ndjson, register_agency

from harness import CITY, Infra, Keys, eventually, register_client, rows

SERVICES = ("catalog", "aggregation", "open", "gateway")
SEARCHED = "站点"  # a two-character Chinese word in the open dataset's name (and the hidden ones')

Record = dict[str, Any]
STATION_ITEMS: list[dict[str, Any]] = [
    {"name": "station_no", "label": "站点编号", "data_type": "string", "length": 20, "required": True, "key": True,
     "sensitivity": "public"},
    {"name": "station_name", "label": "站点名称", "data_type": "string", "length": 100, "required": True},
    {"name": "district", "label": "所在区", "data_type": "string", "length": 20},
    {"name": "docks", "label": "车桩数", "data_type": "integer", "length": 4},
    {"name": "opened_on", "label": "启用日期", "data_type": "date"},
]  # fmt: skip
DOG_ITEMS: list[dict[str, Any]] = [
    {"name": "licence_no", "label": "犬证编号", "data_type": "string", "length": 20, "required": True, "key": True,
     "sensitivity": "public"},
    {"name": "breed", "label": "犬只品种", "data_type": "string", "length": 50, "required": True},
    {"name": "district", "label": "登记区", "data_type": "string", "length": 20},
    {"name": "registered_on", "label": "登记日期", "data_type": "date"},
]  # fmt: skip
DISTRICTS = ("梁溪区", "滨湖区", "新吴区", "锡山区", "惠山区")
STATIONS: list[Record] = [
    {"station_no": f"ST{i:04d}", "station_name": f"{DISTRICTS[i % 5]}第{i}号公共自行车站", "district": DISTRICTS[i % 5],
     "docks": 10 + i % 30, "opened_on": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}"}
    for i in range(1, 38)
]  # fmt: skip
DOGS: list[Record] = [
    {"licence_no": f"WXDOG{i:05d}", "breed": ("中华田园犬", "柯基犬", "泰迪犬")[i % 3], "district": DISTRICTS[i % 5],
     "registered_on": f"2026-0{1 + i % 6}-1{i % 10}"}
    for i in range(1, 9)
]  # fmt: skip
# What the public must never see, not even its name (A22.1, A38.1).
NOT_OPEN_NAME = "内部站点巡查台账"
SECRET_NAME = "涉密站点布防名录"
NOT_OPEN = {"open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》第二十八条"}
SECRET = {**NOT_OPEN, "secrecy": "secret", "share_type": "not_shared",
          "share_legal_basis": "《中华人民共和国保守国家秘密法》"}  # fmt: skip
HIDDEN_RECORDS = [{"station_no": "HX0001", "station_name": "布防点甲号", "district": "梁溪区", "docks": 1}]


def station_entry(**overrides: Any) -> dict[str, Any]:
    """The elements of the bicycle stations' entry (unconditionally open), as the catalogue takes them."""
    return {
        "name": "公共自行车站点分布",
        "summary": "全市公共自行车站点的位置、所在区、车桩数和启用日期，每月更新，供市民出行和研究使用。"
        "数据由市交通运输局公共自行车管理系统汇总，覆盖梁溪、滨湖、新吴、锡山、惠山五区的全部站点。",
        "classification": "07-03",
        "category": "theme",
        "source_system": "公共自行车管理系统",
        "format": "database",
        "share_type": "unconditional",
        "share_method": "api",
        "open_type": "unconditional",
        "open_legal_basis": None,
        "update_cycle": "monthly",
        "items": STATION_ITEMS,
        **overrides,
    }


@dataclass
class Portal:
    world: World
    transport: Agency  # 交通运输局: the open stations' agency
    officer: dict[str, str]  # an agency_officer of 公安局, the dogs' collecting agency (A24.2)
    stations: str  # unconditionally open
    dogs: str  # open on conditions
    not_open: str
    secret: str
    agreement_version: int

    @property
    def url(self) -> str:
        """The gateway's address: where a browser finds the hub."""
        return self.world.mesh.url("gateway")

    @property
    def hidden(self) -> dict[str, str]:
        """The entries the public must never see, by id: their names."""
        return {self.not_open: NOT_OPEN_NAME, self.secret: SECRET_NAME}

    def browser(self, **headers: str) -> httpx.AsyncClient:
        """A client of its own (its own cookies), asking for pages as a browser does."""
        return httpx.AsyncClient(
            base_url=self.url, timeout=30.0, headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8", **headers}
        )


async def _publish(world: World, owner: Agency, code: str, elements: dict[str, Any]) -> str:
    """An entry of the owner, published by the bureau, known to the centre and held by open-svc."""
    body = {"code": f"{code}/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY, "provider_agency_id": owner.id,
            **elements}  # fmt: skip
    created = await world.gateway.post("/api/catalog/entries", json=body, headers=owner.system)
    assert created.status_code == 201, created.text
    entry_id = str(created.json()["id"])
    for step, headers in (("submit", owner.system), ("approve", world.reviewer)):
        answered = await world.gateway.post(f"/api/catalog/entries/{entry_id}/{step}", headers=headers)
        assert answered.status_code == 200, answered.text
    await world.known(entry_id, owner)
    query = "SELECT 1 FROM published_entries WHERE entry_id = $1"
    await eventually(lambda: rows(world.mesh.databases["open"], query, uuid.UUID(entry_id)))
    return entry_id


async def _pushed(world: World, owner: Agency, entry_id: str, records: list[dict[str, Any]]) -> None:
    response = await world.push(entry_id, "b1", ndjson(records), owner.system)
    assert response.status_code in (200, 201), response.text


async def _replicated(world: World, entry_id: str, count: int) -> None:
    """open-svc serves the entry's records: the centre published them on the changelog and the replica applied them."""

    async def check() -> bool:
        response = await world.gateway.get(f"/api/open/datasets/{entry_id}")
        return response.status_code == 200 and response.json()["records"] == count

    await eventually(check, within=60)


@asynccontextmanager
async def portal_world(infra: Infra, keys: Keys) -> AsyncIterator[Portal]:
    """The running hub with its datasets and their records in place."""
    # The tests read every page in turn as one anonymous reader, faster than the 20 a second a citizen may ask for;
    # tests/gateway/limits holds the gateway to its limits.
    overrides = {"gateway": {"HUB_RATE_LIMITS": {"anonymous": "10000/second", "portal_user": "10000/second"}}}
    async with centre_world(
        infra, keys, services=SERVICES, settings_overrides=lambda name: dict(overrides.get(name, {}))
    ) as world:
        gateway, admin = world.gateway, world.admin
        transport = await register_agency(gateway, admin, "无锡市交通运输局", CITY)
        police = world.police
        officer = await register_client(gateway, admin, "agency_person", ["agency_officer"], agency_id=police.id)
        stations = await _publish(world, transport, "07-03", station_entry())
        dogs = await _publish(world, police, "01-05", station_entry(
            name="犬只登记信息", summary="全市登记犬只的犬证编号、品种、登记区和登记日期。", classification="01-05",
            source_system="犬只登记管理系统", open_type="conditional",
            open_conditions="申请人签订开放利用协议，数据仅用于申请所述用途。", update_cycle="daily", items=DOG_ITEMS,
        ))  # fmt: skip
        not_open = await _publish(world, transport, "07-03", station_entry(name=NOT_OPEN_NAME, **NOT_OPEN))
        secret = await _publish(world, police, "01-05", station_entry(name=SECRET_NAME, **SECRET))
        await _pushed(world, transport, stations, STATIONS)
        await _pushed(world, police, dogs, DOGS)
        await _pushed(world, transport, not_open, HIDDEN_RECORDS)
        await _pushed(world, police, secret, HIDDEN_RECORDS)
        await _replicated(world, stations, len(STATIONS))
        await _replicated(world, dogs, len(DOGS))
        agreement = {
            "title": "无锡市公共数据开放利用协议",
            "text": "第一条 申请人仅将数据用于申请所述用途。\n第二条 申请人不得向第三方提供数据。",
        }
        published = await gateway.post("/api/open/agreements", json=agreement, headers=admin)
        assert published.status_code == 201, published.text
        yield Portal(world, transport, officer, stations, dogs, not_open, secret, published.json()["version"])
