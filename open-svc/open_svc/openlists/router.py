"""HTTP for the open lists (A23.1): anyone reads every agency's open list and its dated history."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hub.db import SessionDep
from open_svc.openlists import service
from open_svc.openlists.schemas import AgencyListsPage, HistoryPage, OpenListOut

router = APIRouter(tags=["open lists"])
Limit = Annotated[int, Query(ge=1, le=200, description="Items on the page")]


@router.get("/open-lists", response_model=AgencyListsPage)
async def agency_lists(
    session: SessionDep, limit: Limit = 50, offset: Annotated[int, Query(ge=0, le=10_000)] = 0
) -> AgencyListsPage:
    """Every agency's open list in brief (how many entries, when it last changed), by agency name (A23.1)."""
    return await service.agency_lists(session, limit, offset)


@router.get("/open-lists/{agency_id}", response_model=OpenListOut)
async def open_list(
    agency_id: uuid.UUID,
    session: SessionDep,
    after: Annotated[str | None, Query(max_length=60, description="The last code of the previous page")] = None,
    limit: Limit = 100,
) -> OpenListOut:
    """The agency's open list, generated from its published open entries, in code order (A23.1)."""
    return await service.open_list(session, agency_id, after, limit)


@router.get("/open-lists/{agency_id}/history", response_model=HistoryPage)
async def history(
    agency_id: uuid.UUID,
    session: SessionDep,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1, description="`next_before` of the previous page")] = None,
    limit: Limit = 100,
) -> HistoryPage:
    """Every change of the agency's open list, newest first, dated: entries added, removed, attributes changed
    (A23.1)."""
    return await service.history(session, agency_id, before, limit)
