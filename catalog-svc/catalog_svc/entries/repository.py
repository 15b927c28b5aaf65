"""Every query of the entries domain."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, any_, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, load_only

from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.schemas import CATALOGUE_COLUMNS, CatalogueQuery
from hub.search import bigrams, query_terms


async def entry(session: AsyncSession, entry_id: uuid.UUID, *, lock: bool = False) -> Entry | None:
    """One entry; `lock` holds it for the transaction so concurrent reviews of it run one after another."""
    return await session.get(Entry, entry_id, with_for_update=lock)


def _one_of(column: InstrumentedAttribute[Any], values: Collection[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter however many values (an import names up to 50,000 entries; the
    driver takes at most 32,767 parameters, so an IN list of them would fail)."""
    return column == any_(literal(list(values), ARRAY(column.type)))


async def entry_by_code(session: AsyncSession, code: str) -> Entry | None:
    """One entry by its resource code."""
    return (await session.execute(select(Entry).where(Entry.code == code))).scalar_one_or_none()


async def entries_by_code(session: AsyncSession, codes: Collection[str], *, lock: bool = False) -> dict[str, Entry]:
    """The entries with these resource codes, by code; `lock` holds them for the transaction."""
    if not codes:
        return {}
    query = select(Entry).where(_one_of(Entry.code, codes))
    if lock:
        query = query.with_for_update()
    return {e.code: e for e in (await session.execute(query)).scalars()}


async def codes_taken(session: AsyncSession, codes: Collection[str]) -> set[str]:
    """Which of these resource codes an entry already has."""
    if not codes:
        return set()
    return set((await session.execute(select(Entry.code).where(_one_of(Entry.code, codes)))).scalars())


async def lock(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> None:
    """Hold these entries for the transaction, in one statement (reviews of them wait)."""
    if entry_ids:
        await session.execute(select(Entry.id).where(_one_of(Entry.id, entry_ids)).with_for_update())


async def insert_drafts(
    session: AsyncSession, entries: Sequence[dict[str, Any]], versions: Sequence[dict[str, Any]]
) -> None:
    """Insert entries with their first versions, given as columns, in two statements however many they are."""
    if entries:
        await session.execute(insert(Entry), entries)
        await session.execute(insert(EntryVersion), versions)


async def with_latest(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> list[tuple[Entry, EntryVersion]]:
    """These entries, each with its latest version, in one query."""
    if not entry_ids:
        return []
    query = (
        select(Entry, EntryVersion)
        .join(EntryVersion, and_(EntryVersion.entry_id == Entry.id, EntryVersion.is_latest))
        .where(_one_of(Entry.id, entry_ids))
    )
    return [(entry, version) for entry, version in await session.execute(query)]


async def published_of_agency(session: AsyncSession, agency_id: uuid.UUID) -> Sequence[Entry]:
    """The agency's entries in the catalogue: published and not retired."""
    query = select(Entry).where(
        Entry.provider_agency_id == agency_id, Entry.published_version.is_not(None), Entry.retired.is_(False)
    )
    return (await session.execute(query)).scalars().all()


async def first_published(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When each entry's first version was published."""
    if not entry_ids:
        return {}
    query = (
        select(EntryVersion.entry_id, func.min(EntryVersion.published_at))
        .where(_one_of(EntryVersion.entry_id, entry_ids), EntryVersion.published_at.is_not(None))
        .group_by(EntryVersion.entry_id)
    )
    return {entry_id: at for entry_id, at in (await session.execute(query)).all() if at is not None}


async def version(session: AsyncSession, entry_id: uuid.UUID, number: int) -> EntryVersion | None:
    """One version of an entry."""
    return await session.get(EntryVersion, (entry_id, number))


async def latest_versions(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, EntryVersion]:
    """The latest version of each of these entries, by entry."""
    if not entry_ids:
        return {}
    query = select(EntryVersion).where(_one_of(EntryVersion.entry_id, entry_ids), EntryVersion.is_latest)
    return {v.entry_id: v for v in (await session.execute(query)).scalars()}


async def versions(session: AsyncSession, entry_id: uuid.UUID) -> Sequence[EntryVersion]:
    """Every version of an entry, oldest first."""
    query = select(EntryVersion).where(EntryVersion.entry_id == entry_id).order_by(EntryVersion.version)
    return (await session.execute(query)).scalars().all()


def _filtered(q: CatalogueQuery) -> Select[EntryVersion]:
    query = select(EntryVersion)
    if q.state is None:
        query = query.where(EntryVersion.is_published_current)
    else:
        query = query.where(EntryVersion.is_latest, EntryVersion.state == q.state)
    if q.regions is not None:
        query = query.where(EntryVersion.region_code.in_(q.regions))
    for column, value in (
        (EntryVersion.provider_agency_id, q.provider_agency_id),
        (EntryVersion.category, q.category),
        (EntryVersion.share_type, q.share_type),
        (EntryVersion.open_type, q.open_type),
        (EntryVersion.update_cycle, q.update_cycle),
    ):
        if value is not None:
            query = query.where(column == value)
    conditions = []
    for term in query_terms(q.text):
        grams = [g for g in bigrams(term) if len(g) == 2]
        substring = EntryVersion.search_text.contains(term, autoescape=True)
        if not grams:
            conditions.append(substring)
        elif len(term) == 2:
            # A two-character word is its own bigram: the index match is the whole answer.
            conditions.append(EntryVersion.bigrams.contains(grams))
        else:
            # Bigrams narrow through the GIN index; the substring test removes bigrams that are far apart.
            conditions.append(and_(EntryVersion.bigrams.contains(grams), substring))
    if conditions:
        query = query.where(and_(*conditions))
    return query


# Counting every match of a common word would cost more than finding the page; past this, the total is "at least".
COUNT_CAP = 1_000


async def catalogue_page(session: AsyncSession, q: CatalogueQuery) -> tuple[int, bool, Sequence[EntryVersion]]:
    """One page of matching versions in resource-code order, the number of matches (up to COUNT_CAP) and whether
    that number is exact.

    The codes of up to COUNT_CAP + 1 matches come first, in any order the planner likes (for a search, the GIN
    index), sorted by the database: they are the count. The page is then read by code, so its plan cannot go
    astray on the planner's estimate of a search, which multiplies each bigram's frequency as if they were
    independent (不动 and 动产 are not) and would fetch and sort thousands of matches to keep 50:

    - all the matches are known (at most COUNT_CAP): the page's codes are a slice of them;
    - more: the page holds only codes up to the page's last among those known, since among all the matches at
      least that many codes are as small; the catalogue's code index walks that range.
    """
    known = _filtered(q).with_only_columns(EntryVersion.code).limit(COUNT_CAP + 1).subquery()
    codes = list((await session.execute(select(known.c.code).order_by(known.c.code))).scalars())
    end = q.offset + q.limit
    if len(codes) <= COUNT_CAP:
        wanted = codes[q.offset : end]
        rows = await _page(session, _filtered(q).where(_one_of(EntryVersion.code, wanted))) if wanted else []
    else:
        bounded = _filtered(q).where(EntryVersion.code <= codes[end - 1]) if end <= len(codes) else _filtered(q)
        rows = await _page(session, bounded.limit(q.limit).offset(q.offset))
    return min(len(codes), COUNT_CAP), len(codes) <= COUNT_CAP, rows


async def _page(session: AsyncSession, query: Select[EntryVersion]) -> Sequence[EntryVersion]:
    """The versions of a catalogue page, in code order, with the columns a page shows."""
    columns = (getattr(EntryVersion, c) for c in CATALOGUE_COLUMNS)
    page = query.order_by(EntryVersion.code).options(load_only(*columns, raiseload=True))
    return (await session.execute(page)).scalars().all()


async def catalogue_rows(
    session: AsyncSession, q: CatalogueQuery, columns: Sequence[str] | None = None
) -> Sequence[EntryVersion]:
    """One page of matching versions in resource-code order, without counting them; `columns` loads only those."""
    page = _filtered(q).order_by(EntryVersion.code).limit(q.limit).offset(q.offset)
    if columns is not None:
        page = page.options(load_only(*(getattr(EntryVersion, c) for c in columns), raiseload=True))
    return (await session.execute(page)).scalars().all()
