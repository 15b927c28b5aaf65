"""Alembic, run the same way for every service: each service's migrations/env.py calls `run_env`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg
import sqlalchemy as sa
from alembic import command, context, op
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from hub.consumer import InboxEntry
from hub.db import MessagingBase, async_url, asyncpg_dsn
from hub.outbox import NOTIFY_CHANNEL, OutboxMessage

# Both messaging tables must be on MessagingBase's metadata whenever migrations compare it with a database.
MESSAGING_TABLES = (OutboxMessage.__table__, InboxEntry.__table__)


def alembic_config(script_location: Path, database_url: str) -> Config:
    """An Alembic configuration for one service's migrations folder and database."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", async_url(database_url).replace("%", "%%"))
    return config


def run_env(service_metadata: sa.MetaData) -> None:
    """Body of every service's env.py: online migrations on the connection handed in, or on a new engine."""
    target_metadata = [service_metadata, MessagingBase.metadata]
    config = context.config
    connection: Connection | None = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection, target_metadata)
        return

    async def run_with_engine() -> None:
        engine = create_async_engine(config.get_main_option("sqlalchemy.url") or "")
        async with engine.begin() as conn:
            await conn.run_sync(_run_on, target_metadata)
        await engine.dispose()

    asyncio.run(run_with_engine())


def _run_on(connection: Connection, target_metadata: list[sa.MetaData]) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


async def upgrade_to_head(script_location: Path, database_url: str) -> None:
    """Migrate a service's database to the newest revision (safe to run on every start)."""
    config = alembic_config(script_location, database_url)
    engine = create_async_engine(async_url(database_url))
    try:
        async with engine.begin() as conn:

            def upgrade(sync_conn: Connection) -> None:
                config.attributes["connection"] = sync_conn
                command.upgrade(config, "head")

            await conn.run_sync(upgrade)
    finally:
        await engine.dispose()


def head_revision(script_location: Path) -> str | None:
    """The newest revision in a migrations folder."""
    return ScriptDirectory(str(script_location)).get_current_head()


async def current_revision(conn: AsyncConnection) -> str | None:
    """The revision a database is at."""
    return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())


async def ensure_database(database_url: str) -> None:
    """Create the URL's database on its server if it does not exist (one database per service)."""
    url = make_url(database_url)
    name = url.database
    if not name:
        raise ValueError(f"the database URL names no database: {url!r}")
    conn = await asyncpg.connect(asyncpg_dsn(url.set(database="postgres").render_as_string(False)))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            # Identifiers cannot be bound as parameters; quote it as PostgreSQL does.
            quoted = '"' + name.replace('"', '""') + '"'
            await conn.execute(f"CREATE DATABASE {quoted}")
    finally:
        await conn.close()


def _event_columns() -> list[sa.Column[Any]]:
    """An event as an outbox table holds it (hub.outbox's _EventColumns), new columns for each table."""
    return [
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("event_id", UUID(as_uuid=True), nullable=False, unique=True),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", JSONB, nullable=False),
        sa.Column("trace_headers", JSONB, nullable=False),
    ]


def create_messaging_tables() -> None:
    """The outbox and inbox every service's first migration creates, with the trigger that wakes the relay."""
    op.create_table("outbox", *_event_columns())
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(200), primary_key=True),
        sa.Column("type", sa.String(200), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )
    # One notification per inserting statement is enough: the relay drains everything it can see.
    op.execute(
        f"""CREATE FUNCTION notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$"""
    )
    op.execute(
        "CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox()"
    )


def create_outbox_dead_letters() -> None:
    """The table of events the broker refused for good (hub.outbox.OutboxDeadLetter), which each service's migration
    after the first creates."""
    op.create_table(
        "outbox_dead_letters",
        *_event_columns(),
        sa.Column("error", sa.String(500), nullable=False),
        sa.Column("dead_lettered_at", sa.DateTime(timezone=True), nullable=False),
    )
