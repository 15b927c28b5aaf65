"""`hub-client catalogue import` against the real catalogue and gateway: the agency's catalogue from a workbook, as
a job followed to its end, the rows it refused written to the errors file at their rows (A14.1)."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook  # type: ignore[import-untyped]

from catalog_svc.transfer.table import COLUMNS
from harness import CITY, Infra, Keys, catalogued_agency, city_admin, hub_on_fresh_databases

pytestmark = pytest.mark.integration


@dataclass
class Hub:
    url: str
    env: dict[str, str]  # the agency system's credentials, as the command line reads them


@pytest.fixture(scope="module")
async def hub(infra: Infra, keys: Keys) -> AsyncIterator[Hub]:
    """The catalogue and the gateway, shared by this module's tests, and an agency system with its secret."""
    async with hub_on_fresh_databases(infra, keys, ("catalog", "gateway")) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        agency_id = await catalogued_agency(mesh, gateway, admin)
        login = f"system-{uuid.uuid4().hex[:8]}"
        body = {"kind": "agency_system", "login": login, "display_name": login, "roles": ["agency_system"],
                "region_code": CITY, "agency_id": agency_id}  # fmt: skip
        created = await gateway.post("/admin/clients", json=body, headers=admin)
        assert created.status_code == 201, created.text
        secret = created.json()["client_secret"]
        yield Hub(mesh.url("gateway"), {**os.environ, "HUB_CLIENT_ID": login, "HUB_CLIENT_SECRET": secret})


def row(code: str, **values: Any) -> list[Any]:
    """The cells of one row of a complete entry (one data item); `values` override columns."""
    cells = {
        "code": code, "region_code": CITY, "name": "常住人口基本信息", "summary": "全市常住人口的基本信息。",
        "classification": "01-02", "category": "base", "base_database": "population",
        "source_system": "人口管理信息系统", "format": "CSV", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "item_name": "id_number", "item_label": "居民身份证号码", "item_type": "string", "item_length": 18,
        "item_required": "是", "item_key": "是", "item_sensitivity": "highly_sensitive", **values,
    }  # fmt: skip
    return [cells.get(column) for column in COLUMNS]


async def run_cli(hub: Hub, *args: str) -> tuple[int, bytes, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub_client", "catalogue", "import", "--gateway", hub.url, "--quiet", *args,
        env=hub.env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out, err.decode()


def errors_of(path: Path) -> list[tuple[int, str, str | None]]:
    return [(e["line"], e["field"], e.get("code")) for e in map(json.loads, path.read_text().splitlines())]


async def test_a_workbook_is_imported_as_a_job_and_its_refused_rows_are_written_at_their_rows_A14_1(
    hub: Hub, tmp_path: Path
) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    sheet.append(row("01-02/600001"))  # row 2
    sheet.append(row("01-02/600002", category="nowhere"))  # row 3: not a category
    path = tmp_path / "catalogue.xlsx"
    workbook.save(path)
    errors = tmp_path / "catalogue.errors.jsonl"
    status, out, err = await run_cli(hub, "--errors", str(errors), str(path))
    assert status == 0, err
    summary = json.loads(out)
    assert summary["state"] == "succeeded"
    assert (summary["result"]["created"], summary["result"]["refused"], summary["error_count"]) == (1, 1, 1)
    assert errors_of(errors) == [(3, "category", "01-02/600002")]


async def test_a_file_with_nothing_importable_fails_and_every_refused_row_is_written_A14_1(
    hub: Hub, tmp_path: Path
) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(row("01-02/700001", share_type="sometimes"))
    writer.writerow(row("01-02/700002", item_length="eighteen"))
    path = tmp_path / "catalogue.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    errors = tmp_path / "catalogue.errors.jsonl"
    status, out, err = await run_cli(hub, "--errors", str(errors), str(path))
    assert (status, out) == (1, b"")
    assert "The import failed: Nothing was imported" in err
    assert errors_of(errors) == [(2, "share_type", "01-02/700001"), (3, "item_length", "01-02/700002")]
