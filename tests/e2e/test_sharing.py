"""Sharing end to end on the real mesh (catalog, share, the big data centre, the gateway; PostgreSQL and Kafka):
an agency applies for another's data, the provider and the bureau review, the grant reaches the centre, and every
read is checked there against it (A20.1, A20.2, A21.1, A29.1, A36.1).

Expected values come from the Measures and from what the test itself pushed, never from the services' code.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from aggregation.centre import Agency, World, centre_world, ndjson, register_agency

from harness import Infra, Keys, assert_problem, eventually, register_client

pytestmark = pytest.mark.integration

SERVICES = ("catalog", "share", "aggregation", "gateway")
# Items of a subsidy entry: two of them (a decimal and a datetime) have spellings a fingerprint can choose among.
ITEMS: list[dict[str, Any]] = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True,
     "key": True, "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 10, "required": True},
    {"name": "subsidy", "label": "补助金额", "data_type": "decimal", "length": 12},
    {"name": "checked_at", "label": "核查时间", "data_type": "datetime"},
    {"name": "household_size", "label": "家庭人口", "data_type": "integer", "length": 2},
]  # fmt: skip
GRANTED = ["id_number", "subsidy", "checked_at"]
PURPOSE = "低保资格审核"
CONDITIONAL = {"share_type": "conditional", "share_conditions": "仅用于社会救助资格审核",
               "share_legal_basis": "《社会救助暂行办法》", "items": ITEMS}  # fmt: skip
RECORDS = 300


def person(n: int) -> dict[str, Any]:
    checked = f"2026-0{1 + n % 9}-1{n % 10}T09:{n % 60:02d}:00+08:00"
    return {"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "subsidy": f"{n % 97}.{n % 10}",
            "checked_at": checked, "household_size": 1 + n % 6}  # fmt: skip


def purpose(text: str = PURPOSE) -> dict[str, str]:
    """The purpose a pull declares: percent-encoded UTF-8, as HTTP header values are Latin-1 (A21.1)."""
    return {"x-hub-purpose": quote(text)}


@pytest.fixture
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with centre_world(infra, keys, SERVICES) as running:
        yield running


async def officer(world: World, agency: Agency) -> dict[str, str]:
    """An officer of the agency: a person who reviews and answers for it (A20.2)."""
    return await register_client(world.gateway, world.admin, "agency_person", ["agency_officer"],
                                 region=agency.region_code, agency_id=agency.id)  # fmt: skip


async def apply(world: World, consumer: Agency, entry_id: str, **overrides: Any) -> dict[str, Any]:
    body = {"entry_id": entry_id, "items": GRANTED, "purpose": PURPOSE, "legal_basis": "《社会救助暂行办法》第十一条",
            "valid_until": (datetime.now(UTC) + timedelta(days=30)).isoformat(), **overrides}  # fmt: skip
    response = await world.gateway.post("/api/share/applications", json=body, headers=consumer.system)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def pushed(world: World, owner: Agency, entry_id: str) -> list[dict[str, Any]]:
    rows = [person(n) for n in range(RECORDS)]
    response = await world.push(entry_id, "b1", ndjson(rows), owner.job)
    assert response.status_code == 201, response.text
    return rows


async def read(world: World, entry_id: str, headers: dict[str, str], **params: Any) -> httpx.Response:
    return await world.records(entry_id, headers, **params)


async def delivered(world: World, entry_id: str, headers: dict[str, str], **params: Any) -> httpx.Response | None:
    response = await read(world, entry_id, headers, **params)
    return response if response.status_code == 200 else None


async def test_a_conditional_application_is_reviewed_granted_and_every_read_checked_against_its_grant_A20_2_A21_1(
    world: World, tmp_path: Path
) -> None:
    police, water = world.police, world.water
    entry_id = await world.publish(police, **CONDITIONAL)
    rows = await pushed(world, police, entry_id)
    by_id = {r["id_number"]: r for r in rows}
    application = await apply(world, water, entry_id)
    assert application["state"] == "requested"
    # No grant yet: the centre refuses the consumer (A21.1).
    refused = assert_problem(await read(world, entry_id, {**water.system, **purpose()}), 403)
    assert refused["requirement"] == "A21.1"

    provider = await officer(world, police)
    url = f"/api/share/applications/{application['id']}"
    decided = await world.gateway.post(f"{url}/reviews/provider", headers=provider,
                                       json={"decision": "approve", "risk_level": "low"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "provider_approved"
    decided = await world.gateway.post(f"{url}/reviews/bureau", headers=world.reviewer,
                                       json={"decision": "approve", "risk_level": "medium"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    detail = decided.json()
    assert detail["state"] == "granted"
    # Each decision is recorded with who, when and the risk assessed (A20.2, A29.1).
    decisions = {s["action"]: s for s in detail["steps"]}
    assert decisions["provider_approve"]["risk_level"] == "low"
    assert decisions["bureau_approve"]["risk_level"] == "medium"
    grant = detail["grant"]
    assert (grant["items"], grant["purpose"], grant["consumer_agency_id"]) == (GRANTED, PURPOSE, water.id)

    # Inside the grant: only the granted items, the values as pushed (their spelling may differ, their value not).
    page = await eventually(lambda: delivered(world, entry_id, {**water.system, **purpose()}, limit=100))
    body = page.json()
    assert body["items"] == GRANTED
    assert len(body["records"]) == 100
    for record in body["records"]:
        assert set(record) == set(GRANTED)
        pushed_row = by_id[record["id_number"]]
        assert Decimal(record["subsidy"]) == Decimal(pushed_row["subsidy"])
        assert datetime.fromisoformat(record["checked_at"]) == datetime.fromisoformat(pushed_row["checked_at"])

    # Outside it: another item, another purpose, no purpose, another agency naming the grant (A21.1).
    outside = await read(world, entry_id, {**water.system, **purpose()}, items="full_name")
    assert outside.status_code in (403, 422), outside.text
    assert "full_name" in outside.text
    assert assert_problem(await read(world, entry_id, {**water.system, **purpose("招商引资")}), 403)["requirement"] == (
        "A21.1"
    )
    assert_problem(await read(world, entry_id, water.system), 422)
    stranger = await register_agency(world.gateway, world.admin, "无锡市民政局", water.region_code)
    foreign = await read(world, entry_id, {**stranger.system, **purpose()}, grant=grant["id"])
    assert assert_problem(foreign, 403)["requirement"] == "A21.1"

    await _audited(world, water, entry_id, grant["id"])
    await _leak_traced(world, water, entry_id, grant["id"], tmp_path / "leak.csv")

    # Revoked by the provider: the centre refuses from then on, with the reason (A21.1).
    revoked = await world.gateway.post(f"/api/share/grants/{grant['id']}/revoke", headers=provider,
                                       json={"reason": "审核发现超范围使用"})  # fmt: skip
    assert revoked.status_code == 200, revoked.text

    async def refused_as_revoked() -> dict[str, Any] | None:
        response = await read(world, entry_id, {**water.system, **purpose()})
        return response.json() if response.status_code == 403 else None

    problem = await eventually(refused_as_revoked, within=10)
    assert problem["requirement"] == "A21.1"
    assert "revoked" in problem["detail"]


async def _audited(world: World, consumer: Agency, entry_id: str, grant_id: str) -> None:
    """The gateway's audit records the delivery as the centre reported it: who, entry, items, rows, declared
    purpose, grant, trace id and four timestamps (A21.1, A36.1)."""
    response = await world.gateway.get("/admin/audit/export", params={"from": 1, "format": "json"},
                                       headers=world.admin)  # fmt: skip
    assert response.status_code == 200, response.text
    deliveries = [r for r in response.json()["records"] if r["grant_id"] == grant_id and r["status"] == 200]
    assert deliveries, "no audited delivery under the grant"
    record = deliveries[0]
    assert record["agency_id"] == consumer.id
    assert record["entry"] == entry_id
    assert record["items"].split(",") == GRANTED
    assert record["row_count"] == 100
    assert record["purpose"] == PURPOSE
    assert record["trace_id"]
    for moment in ("request_in", "request_out", "response_in", "response_out"):
        assert record[moment], moment


async def _leak_traced(world: World, consumer: Agency, entry_id: str, grant_id: str, leaked: Path) -> None:
    """A file re-exported from the consumer's delivery (CSV, columns dropped, rows shuffled, a 10% sample) is
    traced to the grant by the command an inspector runs (A21.1)."""
    stream = await world.gateway.get(
        f"/api/aggregation/entries/{entry_id}/records",
        headers={**consumer.system, **purpose(), "accept": "application/x-ndjson"},
    )
    assert stream.status_code == 200, stream.text
    records = [json.loads(line) for line in stream.text.splitlines()]
    assert len(records) == RECORDS
    rng = random.Random(11)
    sample = rng.sample(records, RECORDS // 10)
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=["subsidy", "checked_at"], extrasaction="ignore")
    writer.writeheader()
    writer.writerows(sample)
    _write(leaked, text.getvalue())
    verdict = await _trace(world, leaked, entry_id)
    assert verdict["grant_id"] == grant_id, verdict


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


async def _trace(world: World, leaked: Path, entry_id: str) -> dict[str, Any]:
    """The verdict of `python -m aggregation_svc.trace`, run as an inspector would, on the centre's database."""
    env = {**os.environ, "DATABASE_URL": world.mesh.databases["aggregation"]}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aggregation_svc.trace", str(leaked), "--entry", entry_id, "--json",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    verdict: dict[str, Any] = json.loads(stdout)
    return verdict


async def test_an_unconditional_entry_is_granted_at_once_and_its_grant_expires_A20_1_A21_1(world: World) -> None:
    police, water = world.police, world.water
    entry_id = await world.publish(police, items=ITEMS)  # unconditional
    await pushed(world, police, entry_id)
    until = datetime.now(UTC) + timedelta(seconds=8)
    application = await apply(world, water, entry_id, valid_until=until.isoformat())
    # Granted as it was made, with no review (A20.1).
    assert application["state"] == "granted"
    assert application["reviews"] == []
    assert [s["action"] for s in application["steps"]] == ["apply_unconditional"]
    page = await eventually(lambda: delivered(world, entry_id, {**water.system, **purpose()}))
    assert page.json()["items"] == GRANTED

    # A grant that starts later does not deliver before it starts.
    later = await apply(world, water, entry_id, items=["full_name"], purpose="户籍核对",
                        valid_from=(datetime.now(UTC) + timedelta(days=1)).isoformat())  # fmt: skip
    early = await eventually(
        lambda: _refused(world, entry_id, {**water.system, **purpose("户籍核对")}, grant=later["grant"]["id"])
    )
    assert early["requirement"] == "A21.1"

    # Expired: refused once its period is over.
    async def expired() -> dict[str, Any] | None:
        if datetime.now(UTC) < until:
            return None
        return await _refused(world, entry_id, {**water.system, **purpose()})

    problem = await eventually(expired, within=30)
    assert problem["requirement"] == "A21.1"
    assert "expired" in problem["detail"]


async def _refused(world: World, entry_id: str, headers: dict[str, str], **params: Any) -> dict[str, Any] | None:
    response = await read(world, entry_id, headers, **params)
    if response.status_code != 403:
        return None
    problem: dict[str, Any] = response.json()
    return problem
