"""Use cases of the open platform's datasets (A24.1): browse and search them, view one (counted), preview its first
records and page through them. A dataset is an open published entry; anything else is absent (A22.1, A38.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import NotFound
from hub.published_catalogue import PublishedVersion
from hub.search import bigrams
from open_svc.catalogue.models import PublishedEntry
from open_svc.datasets import repository
from open_svc.datasets.counters import Tally
from open_svc.datasets.records import project, replica_stats
from open_svc.datasets.rules import (
    Distribution,
    decode_cursor,
    distributions_of,
    encode_cursor,
    require_direct_access,
    search_text,
)
from open_svc.datasets.schemas import (
    Agency,
    Counts,
    DatasetOut,
    DatasetPage,
    DatasetQuery,
    DatasetSummary,
    Facets,
    FacetValue,
    Item,
    Licence,
    PreviewOut,
    Record,
    RecordsPage,
)
from open_svc.quality import service as quality
from open_svc.replica import repository as replica
from open_svc.settings import Settings

# Agencies the agency facet lists (the most frequent among the matches).
AGENCY_FACET_SIZE = 50


async def index_entry(session: AsyncSession, version: PublishedVersion) -> None:
    """Hold the search index of an entry's newly held version (hub.search)."""
    text = search_text(version.name, version.summary, version.items)
    await repository.index(session, version.entry_id, text, bigrams(text))


async def open_dataset(session: AsyncSession, entry_id: uuid.UUID) -> PublishedEntry:
    """The open dataset; 404 for anything else, so a not-open or secret entry is never revealed (A22.1, A38.1)."""
    entry = await repository.open_entry(session, entry_id)
    if entry is None:
        raise NotFound(f"No open dataset {entry_id}.")
    return entry


def _summary(entry: PublishedEntry, agency_name: str | None, counts: Counts) -> dict[str, Any]:
    return {
        "entry_id": entry.entry_id, "code": entry.code, "version": entry.version, "name": entry.name,
        "summary": entry.summary, "agency": Agency(id=entry.provider_agency_id, name=agency_name),
        "region_code": entry.region_code, "category": entry.category, "base_database": entry.base_database,
        "open_type": entry.open_type, "update_cycle": entry.update_cycle,
        "formats": list(distributions_of(entry.open_type)), "published_at": entry.published_at, "counts": counts,
    }  # fmt: skip


def _counts(tally: Tally, entry_id: uuid.UUID, views: int, downloads: int) -> Counts:
    """Recorded counts with this replica's pending tallies (datasets/counters.py)."""
    pending_views, pending_downloads = tally.pending(entry_id)
    return Counts(views=views + pending_views, downloads=downloads + pending_downloads)


def _facet(counts: dict[Any, int], labels: dict[Any, str] | None = None) -> list[FacetValue]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))
    return [FacetValue(value=str(v), label=(labels or {}).get(v), count=n) for v, n in ranked]


async def browse(session: AsyncSession, q: DatasetQuery, tally: Tally) -> DatasetPage:
    """A page of open datasets matching the query, with the number of matches and the facets over them (A24.1)."""
    rows = await repository.page(session, q)
    total, facets = await repository.facet_counts(session, q)
    agencies = dict(sorted(facets["agency"].items(), key=lambda kv: -kv[1])[:AGENCY_FACET_SIZE])
    names = await repository.agency_names(session, list(agencies))
    formats = {
        d.value: n
        for d in Distribution
        if (n := sum(count for open_type, count in facets["open_type"].items() if d in distributions_of(open_type)))
    }
    items = [
        DatasetSummary(**_summary(entry, name, _counts(tally, entry.entry_id, views, downloads)))
        for entry, name, views, downloads in rows
    ]
    return DatasetPage(
        total=total,
        limit=q.limit,
        offset=q.offset,
        items=items,
        facets=Facets(
            agency=_facet(agencies, dict(names)),
            category=_facet(facets["category"]),
            base_database=_facet(facets["base_database"]),
            update_cycle=_facet(facets["update_cycle"]),
            open_type=_facet(facets["open_type"]),
            format=_facet(formats),
        ),
    )


async def view(
    session: AsyncSession, entry_id: uuid.UUID, settings: Settings, now: datetime, tally: Tally
) -> DatasetOut:
    """An open dataset with its items, counts, licence and quality; the view is counted (A24.1, A25.1)."""
    entry = await open_dataset(session, entry_id)
    tally.viewed(entry_id)
    names = await repository.agency_names(session, [entry.provider_agency_id])
    views, downloads = await repository.counts(session, entry_id)
    stats = (await replica_stats(session, [entry_id]))[entry_id]
    facts = await quality.facts_of(session, [entry], settings)
    assessed = quality.assess(entry_id, facts[entry_id], now)
    return DatasetOut(
        **_summary(entry, names.get(entry.provider_agency_id), _counts(tally, entry_id, views, downloads)),
        open_conditions=entry.open_conditions,
        items=[
            Item(name=i.name, label=i.label, data_type=i.data_type, key=i.key, required=i.required) for i in entry.items
        ],
        records=stats.records,
        last_updated_at=stats.last_update,
        licence=Licence(title=settings.open_licence_title, url=settings.open_licence_url),
        quality=quality.summary(assessed),
    )


async def preview(session: AsyncSession, entry_id: uuid.UUID, limit: int) -> PreviewOut:
    """The first records of an unconditionally open dataset, in key order (A24.1)."""
    entry = await open_dataset(session, entry_id)
    require_direct_access(entry.open_type)
    rows = await replica.rows(session, entry_id, limit=limit)
    return PreviewOut(
        entry_id=entry_id, columns=[i.name for i in entry.items], rows=[project(entry.items, r.data) for r in rows]
    )


async def records(session: AsyncSession, entry_id: uuid.UUID, after: str | None, limit: int) -> RecordsPage:
    """A page of an unconditionally open dataset's records in key order, continued by an opaque cursor (A24.1)."""
    entry = await open_dataset(session, entry_id)
    require_direct_access(entry.open_type)
    rows = await replica.rows(session, entry_id, after=decode_cursor(after) if after else None, limit=limit)
    return RecordsPage(
        entry_id=entry_id,
        items=[Record(key=r.key, data=project(entry.items, r.data)) for r in rows],
        next=encode_cursor(rows[-1].key) if len(rows) == limit else None,
    )
