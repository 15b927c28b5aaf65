"""Every query of the entries domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import load_only

from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.entries.schemas import CATALOGUE_COLUMNS
from catalog_svc.entries.search import bigrams, query_terms


async def entry(session: AsyncSession, entry_id: uuid.UUID, *, lock: bool = False) -> Entry | None:
    """One entry; `lock` holds it for the transaction so concurrent reviews of it run one after another."""
    return await session.get(Entry, entry_id, with_for_update=lock)


async def entry_by_code(session: AsyncSession, code: str) -> Entry | None:
    return (await session.execute(select(Entry).where(Entry.code == code))).scalar_one_or_none()


async def version(session: AsyncSession, entry_id: uuid.UUID, number: int) -> EntryVersion | None:
    return await session.get(EntryVersion, (entry_id, number))


async def versions(session: AsyncSession, entry_id: uuid.UUID) -> Sequence[EntryVersion]:
    query = select(EntryVersion).where(EntryVersion.entry_id == entry_id).order_by(EntryVersion.version)
    return (await session.execute(query)).scalars().all()


@dataclass(frozen=True)
class CatalogueQuery:
    """Filters of the unified catalogue and its search."""

    regions: list[str] | None  # None: every region
    text: str = ""
    provider_agency_id: uuid.UUID | None = None
    category: str | None = None
    share_type: str | None = None
    open_type: str | None = None
    update_cycle: str | None = None
    state: str | None = None  # None: the published catalogue; otherwise latest versions in that state
    limit: int = 50
    offset: int = 0


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
    that number is exact."""
    rows = await catalogue_rows(session, q, CATALOGUE_COLUMNS)
    if rows and len(rows) < q.limit:
        total = q.offset + len(rows)  # a page that is not full holds the last matches: no need to count them
    else:
        capped = _filtered(q).with_only_columns(EntryVersion.entry_id).limit(COUNT_CAP + 1).subquery()
        total = (await session.execute(select(func.count()).select_from(capped))).scalar_one()
    return min(total, COUNT_CAP), total <= COUNT_CAP, rows


async def catalogue_rows(
    session: AsyncSession, q: CatalogueQuery, columns: Sequence[str] | None = None
) -> Sequence[EntryVersion]:
    """One page of matching versions in resource-code order, without counting them; `columns` loads only those."""
    page = _filtered(q).order_by(EntryVersion.code).limit(q.limit).offset(q.offset)
    if columns is not None:
        page = page.options(load_only(*(getattr(EntryVersion, c) for c in columns), raiseload=True))
    return (await session.execute(page)).scalars().all()
