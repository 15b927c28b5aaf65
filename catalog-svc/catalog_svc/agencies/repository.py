"""Every query of the agency registry."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import asyncpg
from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies.models import Agency

# One agency as the GET of one reads it: SQLAlchemy writes the statement once, the driver runs it, since running
# it through SQLAlchemy's ORM would cost more than the query and all the rest of the request (bench/README.md).
_ONE_QUERY = select(Agency.__table__).where(Agency.id == bindparam("id"))
_ONE = str(_ONE_QUERY.compile(dialect=asyncpg_dialect()))  # type: ignore[no-untyped-call]


async def get(session: AsyncSession, agency_id: uuid.UUID) -> Agency | None:
    """One agency by id."""
    return await session.get(Agency, agency_id)


async def one(connection: asyncpg.Connection, agency_id: uuid.UUID) -> Mapping[str, Any] | None:
    """One agency by id as a row of its columns, not a mapped object (to answer it, not change it)."""
    row: Mapping[str, Any] | None = await connection.fetchrow(_ONE, agency_id)
    return row


async def by_credit_code(session: AsyncSession, credit_code: str) -> Agency | None:
    """One agency by its unified social credit code."""
    return (await session.execute(select(Agency).where(Agency.credit_code == credit_code))).scalar_one_or_none()


async def page(session: AsyncSession, limit: int, offset: int) -> Sequence[Agency]:
    """Agencies in registration order."""
    query = select(Agency).order_by(Agency.registered_at, Agency.id).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def by_ids(session: AsyncSession, ids: Collection[uuid.UUID]) -> Sequence[Agency]:
    """The agencies with these ids (those that exist)."""
    if not ids:
        return []
    return (await session.execute(select(Agency).where(Agency.id.in_(ids)))).scalars().all()
