"""A realistic catalogue through the gateway: 36 agencies in 4 regions import 324 entries from CSV (as jobs, all
queued at once), the bureau reviews and publishes them, and the unified catalogue is searched and exported (A13.1,
A14.1, A4.1)."""

from __future__ import annotations

import asyncio
import csv
import io
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from catalog.imports import follow, submit_import
from dcat_ap import DATASET, DCT, FOAF, instances, parsed, values
from rdflib import URIRef

from harness import CITY, LocalMesh, MeshStarter, city_admin, register_agency, register_client

pytestmark = pytest.mark.integration

DISTRICTS = {"320205": "锡山区", "320206": "惠山区", "320211": "滨湖区"}
DEPARTMENTS = ["公安局", "民政局", "人力资源和社会保障局", "自然资源和规划局", "市场监督管理局", "卫生健康委员会",
               "住房和城乡建设局", "交通运输局", "水利局"]  # fmt: skip
SUBJECTS = [("人口", "population"), ("法人", "legal_persons"), ("地理", "natural_resources_geography"),
            ("证照", "e_licences"), ("信用", "social_credit"), ("社保", None), ("医疗", None), ("住房", None),
            ("交通", None)]  # fmt: skip
CYCLES = ["daily", "weekly", "monthly", "quarterly", "yearly", "irregular"]
ENTRIES_PER_AGENCY = 9


@pytest.fixture
async def mesh(start_mesh: MeshStarter) -> AsyncIterator[LocalMesh]:
    generous = {
        "HUB_RATE_LIMITS": {"anonymous": "1000/second", "agency_system": "1000/second", "operator": "1000/second"}
    }
    async with start_mesh(["catalog", "gateway"], {"gateway": generous}) as running:
        yield running


def catalogue_csv(agency: dict[str, Any], rng: random.Random) -> str:
    """An agency's catalogue: one row per data item, three items per entry."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[
        "code", "region_code", "name", "summary", "classification", "category", "base_database", "source_system",
        "format", "share_type", "share_conditions", "share_method", "share_legal_basis", "open_type",
        "open_conditions", "open_legal_basis", "update_cycle", "tags", "item_name", "item_label", "item_type",
        "item_length", "item_required", "item_key",
    ])  # fmt: skip
    writer.writeheader()
    for n in range(ENTRIES_PER_AGENCY):
        subject, base = SUBJECTS[n]
        conditional = rng.random() < 0.3
        entry = {
            "code": f"{agency['classification']}/{agency['sequence'] * 100 + n:06d}",
            "region_code": agency["region_code"],
            "name": f"{agency['name']}{subject}数据{n + 1}",
            "summary": f"{agency['name']}归集的{subject}相关数据，用于部门间共享。",
            "classification": agency["classification"],
            "category": "base" if base else "department",
            "base_database": base or "",
            "source_system": f"{agency['name']}业务系统",
            "format": "database",
            "share_type": "conditional" if conditional else "unconditional",
            "share_conditions": "仅用于行政审批" if conditional else "",
            "share_method": rng.choice(["api", "file", "database"]),
            "share_legal_basis": "《无锡市公共数据管理办法》第十九条" if conditional else "",
            "open_type": "not_open",
            "open_conditions": "",
            "open_legal_basis": "涉及个人信息",
            "update_cycle": rng.choice(CYCLES),
            "tags": f"{subject};{agency['department']}",
        }
        items = [("record_id", "记录编号", "string", "32", "true", "true"),
                 ("subject_name", f"{subject}名称", "string", "200", "true", "false"),
                 ("updated_on", "更新日期", "date", "", "false", "false")]  # fmt: skip
        for name, label, kind, length, required, key in items:
            writer.writerow({**entry, "item_name": name, "item_label": label, "item_type": kind,
                             "item_length": length, "item_required": required, "item_key": key})  # fmt: skip
    return out.getvalue()


async def test_a_generated_city_catalogue_is_imported_reviewed_published_searched_and_exported(mesh: LocalMesh) -> None:
    rng = random.Random(2020)
    async with mesh.client("gateway") as gateway:
        gateway.timeout = httpx.Timeout(60.0)
        admin = await city_admin(mesh, gateway)
        for code, name in DISTRICTS.items():
            body = {"code": code, "name": name, "level": "district", "parent_code": CITY}
            assert (await gateway.post("/api/catalog/regions", json=body, headers=admin)).status_code == 201
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)

        places = [(r, d) for r in (CITY, *DISTRICTS) for d in DEPARTMENTS]  # 4 regions × 9 departments = 36
        # A few at a time: each polls the gateway until it learns its agency from catalog.events.
        registering = asyncio.Semaphore(6)

        async def registered(sequence: int, region: str, department: str) -> dict[str, Any]:
            place = "无锡市" if region == CITY else DISTRICTS[region]
            async with registering:
                agency = await register_agency(gateway, admin, f"{place}{department}", region)
            agency.update(department=department, sequence=sequence, classification=f"{sequence % 90 + 10:02d}-01")
            return agency

        agencies = list(await asyncio.gather(*(registered(n, r, d) for n, (r, d) in enumerate(places))))

        # Every agency sends its file at once; the imports queue as jobs and each agency follows its own.
        sent = [
            await submit_import(gateway, a["headers"], catalogue_csv(a, rng).encode(), query="?format=csv&submit=true")
            for a in agencies
        ]
        assert {response.status_code for response in sent} == {202}
        jobs = await asyncio.gather(
            *(follow(gateway, a["headers"], r.headers["location"]) for a, r in zip(agencies, sent, strict=True))
        )
        assert all(job.job["errors"] == [] for job in jobs)
        assert sum(job.result["submitted"] for job in jobs) == len(agencies) * ENTRIES_PER_AGENCY == 324

        queue = (await gateway.get("/api/catalog/catalogue", params={"state": "submitted", "limit": 200},
                                   headers=reviewer)).json()  # fmt: skip
        assert queue["total"] == 324
        ids = []
        offset = 0
        while offset < queue["total"]:
            params: dict[str, str | int] = {"state": "submitted", "limit": 200, "offset": offset}
            page = (await gateway.get("/api/catalog/catalogue", headers=reviewer, params=params)).json()
            ids += [item["entry_id"] for item in page["items"]]
            offset += 200

        async def approve(entry_id: str) -> int:
            return (await gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=reviewer)).status_code

        for start in range(0, len(ids), 40):
            assert set(await asyncio.gather(*(approve(i) for i in ids[start : start + 40]))) == {200}

        reader = agencies[0]["headers"]

        async def catalogue(**params: Any) -> dict[str, Any]:
            response = await gateway.get("/api/catalog/catalogue", params=params, headers=reader)
            assert response.status_code == 200, response.text
            return dict(response.json())

        assert (await catalogue())["total"] == 324
        assert (await catalogue(region=CITY))["total"] == 324  # districts roll up into the city
        assert (await catalogue(region="320205"))["total"] == 81
        social_security = await catalogue(q="社保", limit=200)
        assert social_security["total"] == 36
        assert all("社保" in item["name"] for item in social_security["items"])
        assert (await catalogue(q="人口", category="base"))["total"] == 36
        assert (await catalogue(q="名称"))["total"] == 324  # item labels are searched too

        exported = await gateway.get("/api/catalog/exports/catalogue", params={"format": "csv"}, headers=reader)
        assert exported.status_code == 200
        rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert len({row["code"] for row in rows}) == 324
        assert len(rows) == 324 * 3
        jsonld = await gateway.get("/api/catalog/exports/catalogue", params={"format": "jsonld", "region": "320206"},
                                   headers=reader)  # fmt: skip
        graph = parsed(jsonld.content, "json-ld")
        datasets = instances(graph, DATASET)
        assert len(datasets) == 81
        publishers = {p for d in datasets for p in graph.objects(d, URIRef(DCT + "publisher"))}
        assert publishers
        assert all(name.startswith("惠山区") for p in publishers for name in values(graph, p, FOAF + "name"))
