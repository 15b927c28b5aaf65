"""The read model on a fresh PostgreSQL database per test, with its tables as a service declares them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from harness import Infra
from hub.db import async_url
from hub.migrations import ensure_database
from hub.published_catalogue import AgencyDirectory, PublishedEntries

from .service_tables import Base, KnownAgency, PublishedEntry


@pytest.fixture
def entries() -> PublishedEntries[PublishedEntry]:
    """The entries read model without reactions."""
    return PublishedEntries(PublishedEntry)


@pytest.fixture
def directory() -> AgencyDirectory[KnownAgency]:
    return AgencyDirectory(KnownAgency)


@pytest.fixture
async def sessions(infra: Infra) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on a fresh database holding the two tables; dropped after the test."""
    url = infra.database(f"t_catalogue_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    engine = create_async_engine(async_url(url))
    try:
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
        await infra.drop_database(url)
