"""How fast a revoked share grant stops delivering (A21.1): from the revocation's commit in share-svc to the first
read the big data centre refuses, over share.events — p50, p99 and the worst of 100 revocations.

    .venv/bin/python bench/grant_revocation.py --database-url URL --kafka BOOTSTRAP     # `make bench` does this

It starts a hub of its own as bench/gateway_read.py does (ports shifted by 2000, databases bench_hub_*, topics
bench.*), registers a provider agency with an unconditionally shared entry holding a few records and a consumer
agency, then 100 times: the consumer applies (granted at once, A20.1), reads until the centre knows the grant, the
provider's officer revokes it, and the consumer reads every 2 ms until the centre refuses. Each latency is timed from
the moment the revocation request is sent (its commit follows) to the refused read's answer: an upper bound of
commit → refusal. The goal: p99 ≤ 1 s. The figures go to .run/bench/results.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import secrets
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from gateway_read import (
    CITY,
    DATABASE_PREFIX,
    add_city,
    admin_token,
    credit_code,
    drop_databases,
    port_is_free,
    run_py,
)

from hub.mesh import load_mesh
from results import RESULTS, write_results

GOAL_P99_MS = 1000.0
POLL_SECONDS = 0.002
PURPOSE = "基准测试"
ITEMS = [
    {"name": "id_number", "label": "证件号码", "data_type": "string", "length": 18, "required": True, "key": True},
    {"name": "amount", "label": "金额", "data_type": "decimal", "length": 12},
]


@dataclass(frozen=True)
class Parties:
    consumer: dict[str, str]
    officer: dict[str, str]
    entry_id: str


def _ok(response: httpx.Response, status: int = 200) -> Any:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} "
                           f"{response.text}")  # fmt: skip
    return response.json()


async def _until(check: Any, within: float = 60.0) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise RuntimeError("timed out waiting for the hub")
        await asyncio.sleep(0.05)


async def _bearer(client: httpx.AsyncClient, form: dict[str, str]) -> dict[str, str]:
    token = _ok(await client.post("/auth/token", data=form))["access_token"]
    return {"authorization": f"Bearer {token}"}


async def _client(client: httpx.AsyncClient, admin: dict[str, str], kind: str, role: str,
                  agency_id: str | None = None) -> dict[str, str]:  # fmt: skip
    """A registered client's headers; an agency's once the gateway has learned the agency (catalog.events)."""
    login = f"bench-{secrets.token_hex(4)}"
    body: dict[str, Any] = {"kind": kind, "login": login, "display_name": login, "roles": [role],
                            "region_code": CITY, "agency_id": agency_id}  # fmt: skip
    if kind in ("operator", "agency_person"):
        body["password"] = secrets.token_hex(16)

    async def registered() -> dict[str, Any] | None:
        response = await client.post("/admin/clients", json=body, headers=admin)
        return None if response.status_code == 422 else _ok(response, 201)

    created = await _until(registered)
    if kind in ("operator", "agency_person"):
        return await _bearer(client, {"grant_type": "password", "username": login, "password": body["password"]})
    form = {"grant_type": "client_credentials", "client_id": login, "client_secret": created["client_secret"]}
    return await _bearer(client, form)


async def _agency(client: httpx.AsyncClient, admin: dict[str, str], name: str) -> str:
    body = {"credit_code": credit_code(), "name": name, "kind": "administrative_organ", "region_code": CITY,
            "data_unit": "大数据科", "responsible_person": "张三"}  # fmt: skip
    return str(_ok(await client.post("/api/catalog/agencies", json=body, headers=admin), 201)["id"])


async def set_up(client: httpx.AsyncClient, admin_header: str) -> Parties:
    """A provider with an unconditionally shared entry of 10 records, its officer, and a consumer agency."""
    admin = {"authorization": admin_header}
    provider_id = await _agency(client, admin, "无锡市基准数据局")
    consumer_id = await _agency(client, admin, "无锡市基准应用局")
    provider = await _client(client, admin, "agency_system", "agency_system", provider_id)
    job = await _client(client, admin, "ingest_job", "ingest_job", provider_id)
    officer = await _client(client, admin, "agency_person", "agency_officer", provider_id)
    consumer = await _client(client, admin, "agency_system", "agency_system", consumer_id)
    reviewer = await _client(client, admin, "operator", "reviewer")
    entry = {"code": f"01-02/{secrets.randbelow(10**6):06d}", "region_code": CITY, "provider_agency_id": provider_id,
             "name": "基准共享数据", "summary": "吊销时延基准。", "classification": "01-02", "category": "theme",
             "source_system": "基准系统", "format": "database", "share_type": "unconditional", "share_method": "api",
             "open_type": "not_open", "open_legal_basis": "《基准法》", "update_cycle": "daily",
             "items": ITEMS}  # fmt: skip
    entry_id = str(_ok(await client.post("/api/catalog/entries", json=entry, headers=provider), 201)["id"])
    _ok(await client.post(f"/api/catalog/entries/{entry_id}/submit", headers=provider))
    _ok(await client.post(f"/api/catalog/entries/{entry_id}/approve", headers=reviewer))
    rows = "".join(json.dumps({"id_number": f"32020019900101{n:04d}", "amount": f"{n}.5"}) + "\n" for n in range(10))

    async def pushed() -> bool:
        response = await client.post(f"/api/aggregation/entries/{entry_id}/batches/b1", content=rows.encode(),
                                     headers={**job, "content-type": "application/x-ndjson"})  # fmt: skip
        return response.status_code == 201

    await _until(pushed)
    return Parties(consumer, officer, entry_id)


async def one_revocation(client: httpx.AsyncClient, parties: Parties) -> tuple[float, float]:
    """(request sent → refused read, revocation answered → refused read) in ms, for one fresh grant."""
    until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"entry_id": parties.entry_id, "items": ["id_number", "amount"], "purpose": PURPOSE,
            "legal_basis": "基准测试职责", "valid_until": until}  # fmt: skip
    grant = _ok(await client.post("/api/share/applications", json=body, headers=parties.consumer), 201)["grant"]
    reading = {**parties.consumer, "x-hub-purpose": quote(PURPOSE)}
    url = f"/api/aggregation/entries/{parties.entry_id}/records"
    params = {"grant": grant["id"], "limit": "1"}

    async def delivers() -> bool:
        return (await client.get(url, params=params, headers=reading)).status_code == 200

    await _until(delivers)
    sent = time.perf_counter()
    _ok(await client.post(f"/api/share/grants/{grant['id']}/revoke", json={"reason": "基准"}, headers=parties.officer))
    answered = time.perf_counter()
    while True:
        response = await client.get(url, params=params, headers=reading)
        if response.status_code == 403:
            refused = time.perf_counter()
            return (refused - sent) * 1000, (refused - answered) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"read under the grant: {response.status_code} {response.text}")
        await asyncio.sleep(POLL_SECONDS)


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile by the nearest-rank method."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


async def measure(gateway_url: str, revocations: int) -> tuple[list[float], list[float]]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30.0) as client:
        admin = admin_token(gateway_url)
        add_city(httpx.Client(base_url=gateway_url, timeout=30.0), admin)
        parties = await set_up(client, admin)
        upper, lower = [], []
        for _ in range(revocations):
            sent, answered = await one_revocation(client, parties)
            upper.append(sent)
            lower.append(answered)
        return upper, lower


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="a PostgreSQL server")
    parser.add_argument("--kafka", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--port-offset", type=int, default=2000, help="the benchmark hub's ports: the mesh's + this")
    parser.add_argument("--revocations", type=int, default=100)
    args = parser.parse_args()
    mesh = load_mesh()
    ports = {name: service.port + args.port_offset for name, service in mesh.services.items()}
    run_py("down")
    busy = [f"{name}:{port}" for name, port in ports.items() if not port_is_free(port)]
    if busy:
        raise SystemExit(f"ports in use, choose another --port-offset: {', '.join(busy)}")
    asyncio.run(drop_databases(args.database_url, [DATABASE_PREFIX + s.database for s in mesh.services.values()]))
    try:
        run_py(
            "up", "--port-offset", str(args.port_offset), "--database-prefix", DATABASE_PREFIX,
            "--database-url", args.database_url, "--kafka", args.kafka,
        )  # fmt: skip
        upper, lower = asyncio.run(measure(f"http://127.0.0.1:{ports['gateway']}", args.revocations))
    finally:
        run_py("down")
    p50, p99, worst = statistics.median(upper), percentile(upper, 99), max(upper)
    print(f"\ngrant revocation → refused read, over {len(upper)} revocations (from the revocation request sent):")
    print(f"  p50 {p50:.1f} ms   p99 {p99:.1f} ms   max {worst:.1f} ms   (goal p99 ≤ {GOAL_P99_MS:.0f} ms: "
          f"{'met' if p99 <= GOAL_P99_MS else 'NOT met'})")  # fmt: skip
    print(f"  from the revocation's answer: p50 {statistics.median(lower):.1f} ms   p99 {percentile(lower, 99):.1f} ms")
    write_results({
        "grant_revocation_p50_ms": {"value": round(p50, 1), "unit": "ms", "baseline": GOAL_P99_MS,
                                    "ratio": round(p50 / GOAL_P99_MS, 3)},
        "grant_revocation_p99_ms": {"value": round(p99, 1), "unit": "ms", "baseline": GOAL_P99_MS,
                                    "ratio": round(p99 / GOAL_P99_MS, 3)},
        "grant_revocation_max_ms": {"value": round(worst, 1), "unit": "ms", "baseline": GOAL_P99_MS,
                                    "ratio": round(worst / GOAL_P99_MS, 3)},
    })  # fmt: skip
    print(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
