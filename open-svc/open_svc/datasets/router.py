"""HTTP for the open platform's datasets (A24.1): anyone, without an account, browses, searches, views, previews and
reads them through the API. The gateway rate-limits anonymous callers per client address."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from hub.contracts.vocabulary import BaseDatabase, Category, OpenType, UpdateCycle
from hub.db import SessionDep
from hub.dependencies import NowDep
from open_svc.datasets import service
from open_svc.datasets.counters import Tally, tally_of
from open_svc.datasets.rules import Distribution
from open_svc.datasets.schemas import DatasetOut, DatasetPage, DatasetQuery, PreviewOut, RecordsPage, Sort
from open_svc.settings import Settings

router = APIRouter(tags=["datasets"])
TallyDep = Annotated[Tally, Depends(tally_of)]
# Preview rows and API pages: enough to see and to page through, bounded for every caller.
MAX_PREVIEW = 100
MAX_RECORDS_PAGE = 1000


def settings_of(request: Request) -> Settings:
    """The service's settings (a request dependency)."""
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(settings_of)]


@router.get("/datasets", response_model=DatasetPage)
async def browse(
    session: SessionDep,
    tally: TallyDep,
    q: Annotated[str, Query(max_length=100, description="Words to find in names, summaries, item labels")] = "",
    agency_id: uuid.UUID | None = None,
    category: Category | None = None,
    base_database: BaseDatabase | None = None,
    update_cycle: UpdateCycle | None = None,
    open_type: OpenType | None = None,
    format: Annotated[
        Distribution | None, Query(description="Offered as: csv, json, xlsx (unconditionally open), api (all)")
    ] = None,
    sort: Sort = Sort.newest,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> DatasetPage:
    """Open datasets matching the words and filters, in the chosen order, with the facets of all matches (A24.1).
    A two-character Chinese word finds its datasets (search by character bigrams)."""
    query = DatasetQuery(
        text=q, agency_id=agency_id, category=category, base_database=base_database, update_cycle=update_cycle,
        open_type=open_type, format=format, sort=sort, limit=limit, offset=offset,
    )  # fmt: skip
    return await service.browse(session, query, tally)


@router.get("/datasets/{entry_id}", response_model=DatasetOut)
async def view(
    entry_id: uuid.UUID, session: SessionDep, tally: TallyDep, settings: SettingsDep, now: NowDep
) -> DatasetOut:
    """An open dataset: its metadata and items, licence, quality score, record count, views and downloads; the
    view is counted (A24.1, A25.1)."""
    return await service.view(session, entry_id, settings, now, tally)


@router.get("/datasets/{entry_id}/preview", response_model=PreviewOut)
async def preview(
    entry_id: uuid.UUID,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PREVIEW)] = 20,
) -> PreviewOut:
    """The first records of an unconditionally open dataset (A24.1); open on conditions needs a data key (A24.2)."""
    return await service.preview(session, entry_id, limit)


@router.get("/datasets/{entry_id}/records", response_model=RecordsPage)
async def records(
    entry_id: uuid.UUID,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=4000, description="`next` of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_RECORDS_PAGE)] = 100,
) -> RecordsPage:
    """The read API: an unconditionally open dataset's records in key order, a page at a time (A24.1)."""
    return await service.records(session, entry_id, after, limit)
