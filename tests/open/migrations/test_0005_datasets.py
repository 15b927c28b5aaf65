"""Migration 0005 indexes the entries open-svc already held for the dataset search and enters each one open then into
its agency's open-list history, as added on its publication date (A23.1, A24.1)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from harness import Infra, migrations_of
from hub.db import async_url, asyncpg_dsn
from hub.migrations import alembic_config, ensure_database

pytestmark = pytest.mark.integration

PUBLISHED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ITEMS = [{"name": "paid_on", "label": "缴费日期", "data_type": "date", "length": None, "required": False,
          "key": False, "sensitivity": "internal"}]  # fmt: skip


async def migrate_to(url: str, revision: str) -> None:
    config = alembic_config(migrations_of("open"), url)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:

            def upgrade(sync_conn: Connection) -> None:
                config.attributes["connection"] = sync_conn
                command.upgrade(config, revision)

            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


async def test_entries_held_before_are_searchable_and_open_ones_enter_their_list_history_A23_1(infra: Infra) -> None:
    url = infra.database(f"t_open_0005_{uuid.uuid4().hex[:12]}")
    agency = uuid.uuid4()
    entries = {  # name → (open type, secrecy, retired)
        "社会保险缴费记录": ("unconditional", "public", None),
        "企业参保人数": ("conditional", "internal", None),
        "参保人员名单": ("not_open", "internal", None),
        "社保卡发放网点": ("unconditional", "public", PUBLISHED),
    }
    ids = {name: uuid.uuid4() for name in entries}
    try:
        await ensure_database(url)
        await migrate_to(url, "0004")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            for name, (open_type, secrecy, retired) in entries.items():
                await conn.execute(
                    "INSERT INTO published_entries (entry_id, code, version, name, summary, provider_agency_id, "
                    "region_code, share_type, open_type, update_cycle, secrecy, consent_required, items, "
                    "published_at, retired_at) VALUES ($1, $2, 2, $3, '全市的记录。', $4, '320200', 'unconditional', "
                    "$5, 'monthly', $6, false, $7::jsonb, $8, $9)",
                    ids[name], f"03-01/{ids[name].int % 10**6:06d}", name, agency, open_type, secrecy,
                    json.dumps(ITEMS), PUBLISHED, retired,
                )  # fmt: skip
            await migrate_to(url, "0005")
            search = {r["entry_id"]: r for r in await conn.fetch("SELECT * FROM dataset_search")}
            history = await conn.fetch("SELECT * FROM open_list_changes ORDER BY id")
        finally:
            await conn.close()
    finally:
        await infra.drop_database(url)

    assert search.keys() == set(ids.values())
    insured = search[ids["社会保险缴费记录"]]
    assert insured["search_text"] == "社会保险缴费记录 全市的记录。 缴费日期"
    assert {"社会", "缴费", "日期"} <= set(insured["bigrams"])
    # Open and not retired: the unconditional and the conditional entry, not the not-open nor the retired one.
    assert sorted((r["entry_id"], r["change"], r["version"], r["at"]) for r in history) == sorted(
        [(ids["社会保险缴费记录"], "added", 2, PUBLISHED), (ids["企业参保人数"], "added", 2, PUBLISHED)]
    )
    assert {r["agency_id"] for r in history} == {agency}
