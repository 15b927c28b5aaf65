"""What the open platform's test worlds share (A23.1, A24.1): the catalogue, open-svc and the gateway running on
fresh databases with the city's bureau administrator and a city reviewer, and records written into open-svc's
replica table (`open_records`) as its follower writes them once the centre has published them — writing that very
table, not a mock of it."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx

from harness import CITY, Infra, Keys, LocalMesh, city_admin, hub_on_fresh_databases, register_client
from hub.db import asyncpg_dsn

SERVICES = ("catalog", "open", "gateway")


@dataclass(frozen=True)
class OpenHub:
    mesh: LocalMesh
    gateway: httpx.AsyncClient
    admin: dict[str, str]  # the city's bureau administrator
    reviewer: dict[str, str]  # a city reviewer of the catalogue


@asynccontextmanager
async def open_hub(infra: Infra, keys: Keys, **open_settings: Any) -> AsyncIterator[OpenHub]:
    """The three services, open-svc with `open_settings`, on fresh databases dropped afterwards."""
    async with hub_on_fresh_databases(
        infra, keys, SERVICES, settings_overrides=lambda name: dict(open_settings) if name == "open" else {}
    ) as (mesh, gateway):
        admin = await city_admin(mesh, gateway)
        reviewer = await register_client(gateway, admin, "operator", ["reviewer"], region=CITY)
        yield OpenHub(mesh, gateway, admin, reviewer)


async def replicate(open_db: str, entry_id: str, records: Sequence[dict[str, Any]], *, key: str, at: datetime) -> None:
    """The records as the replica holds them: keyed by their `key` item's value as a JSON array, as the centre keys
    them, updated at `at`."""
    values = [(uuid.UUID(entry_id), json.dumps([r[key]]), json.dumps(r, ensure_ascii=False), at) for r in records]
    conn = await asyncpg.connect(asyncpg_dsn(open_db))
    try:
        await conn.executemany(
            "INSERT INTO open_records (entry_id, key, data, updated_at) VALUES ($1, $2, $3::jsonb, $4)", values
        )
    finally:
        await conn.close()
