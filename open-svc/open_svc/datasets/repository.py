"""Every query of the datasets domain: open published entries, their search index and their counters."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, tuple_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.published_catalogue.openness import open_clause
from hub.search import bigrams, query_terms
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets.models import DatasetCounters, DatasetSearch
from open_svc.datasets.rules import open_types_offering
from open_svc.datasets.schemas import DatasetQuery, Sort

# The facets counted, as columns of the published catalogue.
FACET_COLUMNS = {
    "agency": PublishedEntry.provider_agency_id,
    "category": PublishedEntry.category,
    "base_database": PublishedEntry.base_database,
    "update_cycle": PublishedEntry.update_cycle,
    "open_type": PublishedEntry.open_type,
}


async def open_entry(session: AsyncSession, entry_id: uuid.UUID) -> PublishedEntry | None:
    """The entry if it is open data (A22.1, A38.1); None for one that is not, or that open-svc does not hold."""
    query = select(PublishedEntry).where(PublishedEntry.entry_id == entry_id, open_clause(PublishedEntry))
    return (await session.execute(query)).scalar_one_or_none()


async def open_entries_of_agency(
    session: AsyncSession, agency_id: uuid.UUID, after: str | None, limit: int
) -> Sequence[PublishedEntry]:
    """The agency's open datasets (its open list, A23.1) in code order, a page after code `after`."""
    query = (
        select(PublishedEntry)
        .where(PublishedEntry.provider_agency_id == agency_id, open_clause(PublishedEntry))
        .order_by(PublishedEntry.code)
        .limit(limit)
    )
    if after is not None:
        query = query.where(PublishedEntry.code > after)
    return (await session.execute(query)).scalars().all()


def text_conditions(text: str) -> list[ColumnElement[bool]]:
    """Every word of the query must occur in the dataset's words (hub.search: bigrams narrow through the GIN index,
    a substring test rechecks words longer than two characters)."""
    conditions: list[ColumnElement[bool]] = []
    for term in query_terms(text):
        grams = [g for g in bigrams(term) if len(g) == 2]
        substring = DatasetSearch.search_text.contains(term, autoescape=True)
        if not grams:
            conditions.append(substring)
        elif len(term) == 2:
            conditions.append(DatasetSearch.bigrams.contains(grams))
        else:
            conditions.append(and_(DatasetSearch.bigrams.contains(grams), substring))
    return conditions


def _matching(q: DatasetQuery) -> Select[PublishedEntry]:
    """Open entries matching the query's filters and words; never anything else (A22.1, A38.1)."""
    entry = PublishedEntry
    query = select(entry).where(open_clause(entry))
    for column, value in (
        (entry.provider_agency_id, q.agency_id),
        (entry.category, q.category),
        (entry.base_database, q.base_database),
        (entry.update_cycle, q.update_cycle),
        (entry.open_type, q.open_type),
    ):
        if value is not None:
            query = query.where(column == value)
    if q.format is not None:
        query = query.where(entry.open_type.in_(open_types_offering(q.format)))
    conditions = text_conditions(q.text)
    if conditions:
        query = query.join(DatasetSearch, DatasetSearch.entry_id == entry.entry_id).where(*conditions)
    return query


async def page(session: AsyncSession, q: DatasetQuery) -> Sequence[tuple[PublishedEntry, str | None, int, int]]:
    """One page of matching datasets in the query's order, each with its agency's name and its view and download
    counts."""
    entry, counters = PublishedEntry, DatasetCounters
    views, downloads = func.coalesce(counters.views, 0), func.coalesce(counters.downloads, 0)
    orders: dict[Sort, list[Any]] = {
        Sort.newest: [entry.published_at.desc()],
        Sort.downloads: [downloads.desc(), entry.published_at.desc()],
        Sort.views: [views.desc(), entry.published_at.desc()],
    }
    order = orders[q.sort]
    query = (
        _matching(q)
        .add_columns(KnownAgency.name, views, downloads)
        .outerjoin(counters, counters.entry_id == entry.entry_id)
        .outerjoin(KnownAgency, KnownAgency.id == entry.provider_agency_id)
        .order_by(*order, entry.entry_id)
        .limit(q.limit)
        .offset(q.offset)
    )
    return [(row[0], row[1], row[2], row[3]) for row in await session.execute(query)]


async def facet_counts(session: AsyncSession, q: DatasetQuery) -> tuple[int, dict[str, dict[Any, int]]]:
    """The number of matching datasets, and how many of them have each value of each facet, in one pass (GROUPING
    SETS: one set per facet, and the empty set for the total)."""
    matching = _matching(q).subquery()
    columns = [matching.c[column.key] for column in FACET_COLUMNS.values()]
    query = (
        select(*columns, func.count(), *(func.grouping(c) for c in columns))
        .select_from(matching)
        .group_by(func.grouping_sets(*(tuple_(c) for c in columns), tuple_()))
    )
    total, counts = 0, {name: dict[Any, int]() for name in FACET_COLUMNS}
    for row in await session.execute(query):
        values, count, grouped = row[: len(columns)], row[len(columns)], row[len(columns) + 1 :]
        # grouping(c) is 0 in the rows of the set that groups by c; the total's row groups by none.
        facet = next((i for i, g in enumerate(grouped) if g == 0), None)
        if facet is None:
            total = count
        elif values[facet] is not None:
            counts[list(FACET_COLUMNS)[facet]][values[facet]] = count
    return total, counts


async def agency_names(session: AsyncSession, agency_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The current names of these agencies, of those open-svc knows."""
    if not agency_ids:
        return {}
    query = select(KnownAgency.id, KnownAgency.name).where(KnownAgency.id.in_(agency_ids))
    return {agency_id: name for agency_id, name in (await session.execute(query)).all()}


async def counts(session: AsyncSession, entry_id: uuid.UUID) -> tuple[int, int]:
    """The dataset's recorded views and downloads."""
    row = await session.get(DatasetCounters, entry_id)
    return (row.views, row.downloads) if row is not None else (0, 0)


async def add_counts(session: AsyncSession, tallies: Mapping[uuid.UUID, tuple[int, int]], at: datetime) -> None:
    """Add views and downloads to datasets' counters, in one statement however many datasets (in entry order, so
    that two replicas flushing at once lock rows in the same order)."""
    if not tallies:
        return
    rows = [
        {"entry_id": entry_id, "views": views, "downloads": downloads, "updated_at": at}
        for entry_id, (views, downloads) in sorted(tallies.items())
    ]
    statement = insert(DatasetCounters).values(rows)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DatasetCounters.entry_id],
            set_={
                "views": DatasetCounters.views + statement.excluded.views,
                "downloads": DatasetCounters.downloads + statement.excluded.downloads,
                "updated_at": statement.excluded.updated_at,
            },
        )
    )


async def index(session: AsyncSession, entry_id: uuid.UUID, text: str, grams: list[str]) -> None:
    """Hold the search index of an entry's held version."""
    statement = insert(DatasetSearch).values(entry_id=entry_id, search_text=text, bigrams=grams)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[DatasetSearch.entry_id],
            set_={"search_text": statement.excluded.search_text, "bigrams": statement.excluded.bigrams},
        )
    )
