"""Migration 0007 moves the centre onto the mesh's shared read model of the published catalogue: the data items an
entry held as rows come with the entry, in declaration order, as the read model reads them (A15.1, A17.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from alembic import command
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from aggregation_svc.entries.service import published_entries
from harness import Infra, migrations_of
from hub.contracts.catalog import DataItemSpec
from hub.db import async_url, asyncpg_dsn
from hub.migrations import alembic_config, ensure_database, upgrade_to_head

pytestmark = pytest.mark.integration


async def migrate_to(url: str, revision: str) -> None:
    config = alembic_config(migrations_of("aggregation"), url)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:

            def upgrade(sync_conn: Connection) -> None:
                config.attributes["connection"] = sync_conn
                command.upgrade(config, revision)

            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


async def test_items_held_as_rows_come_with_their_entry_in_declaration_order_A15_1(infra: Infra) -> None:
    url = infra.database(f"t_aggregation_0007_{uuid.uuid4().hex[:12]}")
    with_items, without_items = uuid.uuid4(), uuid.uuid4()
    try:
        await ensure_database(url)
        await migrate_to(url, "0006")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            for entry_id in (with_items, without_items):
                await conn.execute(
                    "INSERT INTO published_entries (entry_id, code, version, region_code, provider_agency_id, name, "
                    "update_cycle, share_type, open_type, secrecy, consent_required, published_at) VALUES ($1, $2, "
                    "1, '320200', $3, '居住登记信息', 'daily', 'unconditional', 'not_open', 'internal', false, $4)",
                    entry_id, f"01-02/{entry_id.int % 10**6:06d}", uuid.uuid4(), datetime(2025, 3, 1, tzinfo=UTC),
                )  # fmt: skip
            # Stored out of declaration order: the position decides.
            await conn.executemany(
                "INSERT INTO published_items (entry_id, name, position, label, data_type, length, required, key, "
                "sensitivity) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                [(with_items, "age", 2, "年龄", "integer", 3, False, False, "internal"),
                 (with_items, "id_number", 0, "居民身份证号码", "string", 18, True, True, "highly_sensitive"),
                 (with_items, "full_name", 1, "姓名", "string", None, True, False, "sensitive")],
            )  # fmt: skip
        finally:
            await conn.close()

        await upgrade_to_head(migrations_of("aggregation"), url)

        engine = create_async_engine(async_url(url))
        try:
            async with async_sessionmaker(engine)() as session:
                entry = await published_entries.entry(session, with_items)
                empty = await published_entries.entry(session, without_items)
                assert entry is not None
                assert empty is not None
                assert entry.items == (
                    DataItemSpec(name="id_number", label="居民身份证号码", data_type="string", length=18, required=True,
                                 key=True, sensitivity="highly_sensitive"),
                    DataItemSpec(name="full_name", label="姓名", data_type="string", required=True,
                                 sensitivity="sensitive"),
                    DataItemSpec(name="age", label="年龄", data_type="integer", length=3, sensitivity="internal"),
                )  # fmt: skip
                assert (entry.summary, entry.share_conditions, entry.open_conditions) == ("", None, None)
                assert empty.items == ()
        finally:
            await engine.dispose()
    finally:
        await infra.drop_database(url)
