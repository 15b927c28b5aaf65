"""The figures of a live database: every table of its schema, counted and checksummed in SQL (A31.1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg

from aggregation_svc.backups.manifest import TableFigures, checksum_query

SCHEMA = "public"
# Row text (and so the checksums) depends on these; pinned so that any two sessions agree.
SESSION_SETTINGS = {"TimeZone": "UTC", "DateStyle": "ISO, YMD", "IntervalStyle": "postgres", "extra_float_digits": "1"}
# Tables whose rows are the running service's work, not the centre's data: a dump leaves their rows out and a
# manifest their figures. A restored centre must not run again the jobs of the one it was copied from (the backup
# job that made the dump among them), and the job making a backup changes its own row while it does.
WORK_TABLES = ("jobs",)
# Told the tables done and the tables in all, as the figures are taken.
OnTable = Callable[[int, int], Awaitable[None]]


async def connect(dsn: str) -> Any:
    """A connection whose row text is the same whoever opens it."""
    return await asyncpg.connect(dsn, server_settings=SESSION_SETTINGS)


async def table_names(conn: Any) -> list[str]:
    """The ordinary tables of the schema, by name."""
    rows = await conn.fetch(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename COLLATE "C"', SCHEMA
    )
    return [r["tablename"] for r in rows]


async def data_tables(conn: Any) -> list[str]:
    """The tables whose rows a backup holds: all but the work tables."""
    return [name for name in await table_names(conn) if name not in WORK_TABLES]


async def table_figures(conn: Any, on_table: OnTable | None = None) -> dict[str, TableFigures]:
    """Row count and checksum of every data table, as the connection's transaction sees them."""
    figures = {}
    names = await data_tables(conn)
    for done, name in enumerate(names, start=1):
        row = await conn.fetchrow(checksum_query(SCHEMA, name))
        figures[name] = TableFigures(int(row["rows"]), str(row["checksum"]))
        if on_table is not None:
            await on_table(done, len(names))
    return figures


async def alembic_revision(conn: Any) -> str | None:
    """The migration the database is at, or None if it was never migrated."""
    if "alembic_version" not in await table_names(conn):
        return None
    value = await conn.fetchval("SELECT version_num FROM alembic_version")
    return str(value) if value is not None else None


async def server_major_version(conn: Any) -> int:
    return int(await conn.fetchval("SELECT current_setting('server_version_num')::int / 10000"))
