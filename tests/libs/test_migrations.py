"""Every service's migrations produce exactly the schema its models declare (no drift, no lost tables)."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hub.db import MessagingBase, async_url
from hub.mesh import load_mesh

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("service", sorted(load_mesh().services))
async def test_migrations_at_head_match_the_models(
    service: str, database_factory: Callable[[str], Awaitable[str]]
) -> None:
    url = await database_factory(service)
    models = importlib.import_module(f"{load_mesh().service(service).package}.models")
    engine = create_async_engine(async_url(url))

    def differences(conn: Connection) -> list[object]:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        found = compare_metadata(context, [models.Base.metadata, MessagingBase.metadata])  # type: ignore[arg-type]
        # Names PostgreSQL chose for constraints that the first migrations declared inline are not drift.
        return [d for d in found if not (isinstance(d, tuple) and d[0] in ("add_constraint", "remove_constraint"))]

    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(differences) == []
    finally:
        await engine.dispose()
