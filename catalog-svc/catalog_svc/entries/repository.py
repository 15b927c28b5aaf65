"""Every query of the entries domain."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.entries.models import Entry, EntryVersion
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

    regions: list[str]
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
        # Bigrams narrow through the GIN index; the substring test removes bigrams that are far apart.
        term_match = EntryVersion.search_text.contains(term, autoescape=True)
        conditions.append(and_(EntryVersion.bigrams.contains(grams), term_match) if grams else term_match)
    if conditions:
        query = query.where(and_(*conditions))
    return query


async def catalogue_page(session: AsyncSession, q: CatalogueQuery) -> tuple[int, Sequence[EntryVersion]]:
    """One page of matching versions (name matches first, then by resource code) and the total count."""
    filtered = _filtered(q)
    total = (await session.execute(select(func.count()).select_from(filtered.subquery()))).scalar_one()
    terms = query_terms(q.text)
    name_first = or_(*(EntryVersion.name.contains(t, autoescape=True) for t in terms)).desc() if terms else None
    ordering = [name_first, EntryVersion.code] if name_first is not None else [EntryVersion.code]
    rows = (await session.execute(filtered.order_by(*ordering).limit(q.limit).offset(q.offset))).scalars().all()
    return total, rows
