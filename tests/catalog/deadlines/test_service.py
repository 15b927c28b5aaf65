"""Change notices through the gateway on real PostgreSQL and Kafka, with catalog-svc's clock set: a deadline that
reaches past the working-day calendar is provisional, never a 500, and is recomputed without restart once an
operator adds the year with the documented command (A14.2)."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import chinese_calendar
import httpx
import pytest

from harness import CITY, LocalMesh, MeshStarter, city_admin, eventually, records_of, register_agency, register_client

pytestmark = pytest.mark.integration
SHANGHAI = ZoneInfo("Asia/Shanghai")

# TEST DATA, not the State Council's schedule: no 2027 notice was published when this was written. A plausible
# 2027 (1 January is a Friday) balancing to the 13 statutory days; the test depends only on 1 January being off.
HOLIDAYS_2027 = (
    "2027-01-01..2027-01-03=元旦,2027-02-05..2027-02-13=春节,2027-04-03..2027-04-05=清明节,"
    "2027-05-01..2027-05-05=劳动节,2027-06-09=端午节,2027-09-15=中秋节,2027-10-01..2027-10-07=国庆节"
)
WORKDAYS_2027 = "2027-01-31,2027-02-20,2027-05-08,2027-09-26,2027-10-09"


@dataclass
class Desk:
    gateway: httpx.AsyncClient
    catalog: httpx.AsyncClient
    mesh: LocalMesh
    reviewer: dict[str, str]
    entry_id: str
    calendar_file: Path
    topic: str
    kafka: str

    def set_today(self, day: date) -> None:
        """Put catalog-svc's clock on `day`, 10:00 in Wuxi."""
        moment = datetime(day.year, day.month, day.day, 10, tzinfo=SHANGHAI)
        self.mesh.services["catalog"].app.state.clock = lambda: moment

    async def open_notice(self) -> httpx.Response:
        return await self.gateway.post(
            f"/api/catalog/entries/{self.entry_id}/change-notices", json={"reason": "职责调整"}, headers=self.reviewer
        )

    async def events(self, ce_type: str) -> list[dict[str, Any]]:
        records = await records_of(self.kafka, self.topic)
        return [json.loads(r.value) for r in records if dict(r.headers)["ce_type"] == ce_type.encode()]


def published_entry(agency: dict[str, Any]) -> dict[str, Any]:
    return {
        "code": f"01-02/{uuid.uuid4().int % 10**6:06d}", "region_code": CITY, "provider_agency_id": agency["id"],
        "name": "常住人口基本信息", "summary": "全市常住人口的基本信息，包括姓名、身份证号码。",
        "classification": "01-02",
        "category": "base", "base_database": "population", "source_system": "人口管理信息系统", "format": "database",
        "share_type": "unconditional", "share_method": "api", "open_type": "not_open",
        "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "items": [{"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18,
                   "required": True, "key": True, "sensitivity": "highly_sensitive"}],
    }  # fmt: skip


@pytest.fixture
async def desk(start_mesh: MeshStarter, tmp_path: Path, topic_prefix: str, infra: Any) -> AsyncIterator[Desk]:
    # The services know where the override file will be before it exists, as an operator would set them up.
    calendar_file = tmp_path / "calendar.json"
    settings = {"catalog": {"HUB_CALENDAR_OVERRIDE_FILE": str(calendar_file)}}
    async with (
        start_mesh(["catalog", "gateway"], settings) as mesh,
        mesh.client("gateway") as gateway,
        mesh.client("catalog") as catalog,
    ):
        admin = await city_admin(mesh, gateway)
        police = await register_agency(gateway, admin, "无锡市公安局", CITY)
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)
        created = await gateway.post("/api/catalog/entries", json=published_entry(police), headers=police["headers"])
        assert created.status_code == 201, created.text
        entry_id = created.json()["id"]
        for step, headers in (("submit", police["headers"]), ("approve", reviewer)):
            done = await gateway.post(f"/api/catalog/entries/{entry_id}/{step}", headers=headers)
            assert done.status_code == 200, done.text
        yield Desk(gateway, catalog, mesh, reviewer, entry_id, calendar_file, f"{topic_prefix}catalog.events",
                   infra.kafka_bootstrap)  # fmt: skip


async def add_year_2027(calendar_file: Path) -> None:
    """The operator's command, as documented in the README, run beside the running service."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "hub.workdays", "add-year", "2027", "--holidays", HOLIDAYS_2027,
        "--workdays", WORKDAYS_2027,
        env={**os.environ, "HUB_CALENDAR_OVERRIDE_FILE": str(calendar_file)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "covers through 2027-12-31" in out.decode()


async def test_a_notice_opened_on_20_december_2026_is_provisional_then_recomputed_once_2027_is_added_A14_2(
    desk: Desk,
) -> None:
    assert max(d.year for d in chinese_calendar.holidays) == 2026  # the bundled calendar ends with 2026
    desk.set_today(date(2026, 12, 20))  # a Sunday
    ready = (await desk.catalog.get("/readyz")).json()["checks"]["calendar"]
    assert (ready["ok"], ready["covered_days"], ready["covered_through"]) == (True, 11, "2026-12-31")
    assert "add-year 2027" in ready["warning"]

    opened = await desk.open_notice()
    assert opened.status_code == 201, opened.text
    # Weekends alone from Sun 20 Dec: 1-5 Mon 21 – Fri 25 | 6-9 Mon 28 – Thu 31 | 10 Fri 1 Jan | 11-15 Mon 4 – Fri 8.
    assert (opened.json()["due_on"], opened.json()["provisional"]) == ("2027-01-08", True)
    notice_id = opened.json()["id"]
    announced = await eventually(lambda: desk.events("catalog.change_notice.opened"))
    assert (announced[0]["due_on"], announced[0]["provisional"]) == ("2027-01-08", True)

    await add_year_2027(desk.calendar_file)

    async def recomputed() -> dict[str, Any] | None:
        listed = await desk.gateway.get("/api/catalog/change-notices", headers=desk.reviewer)
        notice: dict[str, Any] = next(n for n in listed.json() if n["id"] == notice_id)
        return notice if not notice["provisional"] else None

    # New Year's Day 2027 is a holiday: ... 9 Thu 31 Dec | (Fri 1 Jan) | 10-14 Mon 4 – Fri 8 | 15 Mon 11 Jan.
    assert (await eventually(recomputed))["due_on"] == "2027-01-11"
    changed = await eventually(lambda: desk.events("catalog.change_notice.due_date_recomputed"))
    assert [(e["notice_id"], e["previous_due_on"], e["due_on"], e["provisional"]) for e in changed] == [
        (notice_id, "2027-01-08", "2027-01-11", False)
    ]
    ready = (await desk.catalog.get("/readyz")).json()["checks"]["calendar"]
    assert (ready["covered_days"], ready["covered_through"], "warning" in ready) == (376, "2027-12-31", False)
    metrics = (await desk.catalog.get("/metrics")).text
    assert 'hub_calendar_covered_days{service="catalog"} 376.0' in metrics


async def test_a_notice_filed_the_day_before_national_day_falls_on_the_right_working_day_A14_2(desk: Desk) -> None:
    # The official 2026 schedule (国办发明电〔2025〕7号): 1–7 October off, Saturday 10 October worked.
    assert all(chinese_calendar.is_holiday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    desk.set_today(date(2026, 9, 30))
    opened = await desk.open_notice()
    assert opened.status_code == 201, opened.text
    # 1 Thu 8 | 2 Fri 9 | 3 Sat 10 (调休) | 4-8 Mon 12 – Fri 16 | 9-13 Mon 19 – Fri 23 | 14 Mon 26 | 15 Tue 27 Oct.
    body = opened.json()
    assert (body["opened_on"], body["due_on"], body["provisional"], body["state"]) == (
        "2026-09-30", "2026-10-27", False, "open"
    )  # fmt: skip
