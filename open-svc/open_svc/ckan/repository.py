"""Every query of the CKAN-compatible API: open datasets matching a search, their facets, the organisations, groups
and tags they make, and the datastore's records.

Each starts from the open entries only (hub.published_catalogue.openness, A22.1, A38.1): a not-open or secret entry
is in no result, count or facet. CKAN's names map to the catalogue so:

| CKAN | open-svc |
|---|---|
| dataset (package) `id`, `name` | the entry's id |
| `metadata_modified`, `metadata_created` | when the held version was published |
| organization | the provider agency (by its id) |
| group | the EU data theme of its category and base database (A18.1), by its code in lower case |
| tag | a data item's label |
| `res_format` | a form its data is offered in (CSV, JSON, XLSX, API) |
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, false, func, not_, or_, select, true, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import BaseDatabase, Category
from hub.dcat import vocabularies as eu
from hub.published_catalogue.openness import open_clause
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.ckan import query as q
from open_svc.datasets.models import DatasetSearch
from open_svc.datasets.repository import text_conditions
from open_svc.datasets.rules import Distribution as Form
from open_svc.datasets.rules import open_types_offering
from open_svc.replica.models import OpenRecord

Entry = PublishedEntry
# The values of fields that hold one value for every open dataset.
CONSTANT_FIELDS = {"dataset_type": "dataset", "type": "dataset", "capacity": "public", "state": "active"}


def theme(base_database: Any, category: Any) -> ColumnElement[Any]:
    """The EU data theme (its code) of an entry, in SQL: the rule of hub.dcat.vocabularies.data_themes, written out
    for every base database and category."""
    whens = [(base_database == db, eu.data_themes(Category.base, db)[0].code) for db in BaseDatabase]
    whens += [(category == c, themes[0].code) for c in Category if (themes := eu.data_themes(c, None))]
    return case(*whens, else_=None)


SORTABLE: dict[str, Any] = {
    "metadata_modified": Entry.published_at, "metadata_created": Entry.published_at, "id": Entry.entry_id,
    "name": Entry.entry_id, "title": Entry.name, "title_string": Entry.name,
}  # fmt: skip


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _equals_id(column: Any, value: str) -> ColumnElement[bool]:
    found = _uuid(value)
    return column == found if found is not None else false()


def _has_tag(label: str) -> ColumnElement[bool]:
    return type_coerce(Entry.items, JSONB).contains([{"label": label}])


def _offered_as(format_name: str) -> ColumnElement[bool]:
    try:
        form = Form(format_name.lower())
    except ValueError:
        return false()
    return Entry.open_type.in_(open_types_offering(form))


def _text(word: str) -> ColumnElement[bool]:
    return exists().where(DatasetSearch.entry_id == Entry.entry_id, *text_conditions(word))


def _match(match: q.Match, licence_id: str) -> ColumnElement[bool]:
    field, value = match.field, match.value
    if value is None:
        return true()
    if field in ("id", "name"):
        return _equals_id(Entry.entry_id, value)
    if field in ("organization", "owner_org"):
        return _equals_id(Entry.provider_agency_id, value)
    if field == "groups":
        return theme(Entry.base_database, Entry.category) == value.upper()
    if field == "tags":
        return _has_tag(value)
    if field == "res_format":
        return _offered_as(value)
    if field == "title":
        return Entry.name.icontains(value, autoescape=True)
    if field == "text":
        return _text(value)
    if field == "site_id":
        return true()
    expected = licence_id if field == "license_id" else CONSTANT_FIELDS[field]
    return true() if value == expected else false()


def _range(span: q.Range) -> ColumnElement[bool]:
    column = Entry.published_at
    bounds: list[ColumnElement[bool]] = []
    if span.low is not None:
        bounds.append(column >= span.low if span.include_low else column > span.low)
    if span.high is not None:
        bounds.append(column <= span.high if span.include_high else column < span.high)
    return and_(true(), *bounds)


def condition(clause: q.Clause, licence_id: str) -> ColumnElement[bool]:
    """The clause as a condition on an open entry."""
    if isinstance(clause, q.Match):
        return _match(clause, licence_id)
    if isinstance(clause, q.Range):
        return _range(clause)
    if isinstance(clause, q.Text):
        return _text(clause.word)
    if isinstance(clause, q.Not):
        return not_(condition(clause.clause, licence_id))
    parts = [condition(c, licence_id) for c in clause.clauses]
    if isinstance(clause, q.AllOf):
        return and_(true(), *parts)
    return or_(false(), *parts)


def matching(clauses: Sequence[q.Clause], licence_id: str) -> Select[PublishedEntry]:
    """The open entries every clause matches."""
    return select(Entry).where(open_clause(Entry), *(condition(c, licence_id) for c in clauses))


async def count(session: AsyncSession, found: Select[PublishedEntry]) -> int:
    return int((await session.execute(select(func.count()).select_from(found.subquery()))).scalar_one())


async def page(
    session: AsyncSession, found: Select[PublishedEntry], order: Sequence[tuple[str, str]], rows: int,
    start: int,
) -> list[tuple[PublishedEntry, KnownAgency | None]]:  # fmt: skip
    """A page of the matching entries with their agencies, in the order asked (entry id breaking ties)."""
    keys = [SORTABLE[field].desc() if direction == "desc" else SORTABLE[field].asc() for field, direction in order]
    query = (
        found.add_columns(KnownAgency)
        .outerjoin(KnownAgency, KnownAgency.id == Entry.provider_agency_id)
        .order_by(*keys, Entry.entry_id)
        .limit(rows)
        .offset(start)
    )
    return [(entry, agency) for entry, agency in await session.execute(query)]


async def facet(session: AsyncSession, found: Select[PublishedEntry], field: str) -> dict[str, int]:
    """How many matching entries have each value of a facet field (organization, groups, tags; res_format and
    license_id are counted from open types by the caller)."""
    matches = found.subquery()
    if field == "tags":
        items = func.jsonb_array_elements(type_coerce(matches.c["items"], JSONB)).table_valued("value").render_derived()
        label = items.c.value.op("->>")("label")
        query = select(label, func.count(func.distinct(matches.c.entry_id))).select_from(matches.join(items, true()))
        query = query.where(label.is_not(None)).group_by(label)
    else:
        column = {"organization": matches.c.provider_agency_id, "open_type": matches.c.open_type,
                  "groups": theme(matches.c.base_database, matches.c.category)}[field]  # fmt: skip
        query = select(column, func.count()).select_from(matches).where(column.is_not(None)).group_by(column)
    return {str(value): int(n) for value, n in await session.execute(query)}


async def open_ids(session: AsyncSession, limit: int | None, offset: int) -> Sequence[uuid.UUID]:
    """The ids of the open entries in id order, a page of them (all with no limit)."""
    query = select(Entry.entry_id).where(open_clause(Entry)).order_by(Entry.entry_id).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def agencies(session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, KnownAgency]:
    if not ids:
        return {}
    found = await session.execute(select(KnownAgency).where(KnownAgency.id.in_(list(ids))))
    return {agency.id: agency for agency in found.scalars()}


async def providers(session: AsyncSession) -> list[tuple[uuid.UUID, KnownAgency | None, int]]:
    """Every agency providing open datasets, with how many (CKAN's organisations)."""
    query = (
        select(Entry.provider_agency_id, KnownAgency, func.count())
        .outerjoin(KnownAgency, KnownAgency.id == Entry.provider_agency_id)
        .where(open_clause(Entry))
        .group_by(Entry.provider_agency_id, KnownAgency.id)
    )
    return [(agency_id, agency, int(n)) for agency_id, agency, n in await session.execute(query)]


async def theme_counts(session: AsyncSession) -> dict[str, int]:
    """How many open datasets each EU data theme has (CKAN's groups)."""
    return await facet(session, matching([], ""), "groups")


async def tags(session: AsyncSession) -> dict[str, int]:
    """Every data item label of the open datasets, with how many datasets have it (CKAN's tags)."""
    return await facet(session, matching([], ""), "tags")


async def open_entry(session: AsyncSession, entry_id: uuid.UUID) -> tuple[PublishedEntry, KnownAgency | None] | None:
    """The open entry with its agency; None for one that is not open (or not held)."""
    query = (
        select(Entry, KnownAgency)
        .outerjoin(KnownAgency, KnownAgency.id == Entry.provider_agency_id)
        .where(Entry.entry_id == entry_id, open_clause(Entry))
    )
    row = (await session.execute(query)).first()
    return (row[0], row[1]) if row is not None else None


def _records(entry_id: uuid.UUID, filters: dict[str, list[str | None]], words: str | None, names: Sequence[str]) -> Any:
    """The replica's records of an open entry (the open rule again, in the statement, as the replica's repository
    applies it), filtered on item values (each item's text equal to one of the accepted texts, None for none) and
    on words in its declared items."""
    served = exists().where(Entry.entry_id == OpenRecord.entry_id, open_clause(Entry))
    query = select(OpenRecord).where(OpenRecord.entry_id == entry_id, served)
    for name, accepted in filters.items():
        value_text = OpenRecord.data[name].astext
        query = query.where(or_(*(value_text.is_(None) if v is None else value_text == v for v in accepted)))
    if words:
        query = query.where(or_(*(OpenRecord.data[name].astext.icontains(words, autoescape=True) for name in names)))
    return query


async def records(
    session: AsyncSession, entry_id: uuid.UUID, filters: dict[str, list[str | None]], words: str | None,
    names: Sequence[str], order: Sequence[tuple[str, str]], limit: int, offset: int,
) -> Sequence[OpenRecord]:  # fmt: skip
    """A page of the records, in the order asked then in key order."""
    # JSONB's own order: numbers as numbers, text as text.
    keys = [OpenRecord.data[name].desc() if d == "desc" else OpenRecord.data[name].asc() for name, d in order]
    query = _records(entry_id, filters, words, names).order_by(*keys, OpenRecord.key).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def record_count(
    session: AsyncSession, entry_id: uuid.UUID, filters: dict[str, list[str | None]], words: str | None,
    names: Sequence[str],
) -> int:  # fmt: skip
    query = select(func.count()).select_from(_records(entry_id, filters, words, names).subquery())
    return int((await session.execute(query)).scalar_one())
