"""The open catalogue as the feed reads it: every open dataset with its provider agency, a page at a time, from one
snapshot of the database (A22.1, A38.1: nothing that is not open)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import KnownAgency, PublishedEntry

PAGE_SIZE = 200

OpenDataset = tuple[PublishedEntry, KnownAgency | None]


async def open_datasets(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncIterator[list[OpenDataset]]:
    """Every open dataset in id order, page by page. It opens its own session, in REPEATABLE READ: the feed is
    streamed after the request's session closed, and its pages must agree with each other."""
    async with sessionmaker() as session, session.begin():
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        after: uuid.UUID | None = None
        while True:
            query = (
                select(PublishedEntry, KnownAgency)
                .outerjoin(KnownAgency, KnownAgency.id == PublishedEntry.provider_agency_id)
                .where(open_clause(PublishedEntry))
                .order_by(PublishedEntry.entry_id)
                .limit(PAGE_SIZE)
            )
            if after is not None:
                query = query.where(PublishedEntry.entry_id > after)
            rows: list[OpenDataset] = [(entry, agency) for entry, agency in await session.execute(query)]
            if rows:
                yield rows
            if len(rows) < PAGE_SIZE:
                return
            after = rows[-1][0].entry_id
            session.expunge_all()
