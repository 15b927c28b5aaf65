"""HTTP for change notices (A14.2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from catalog_svc.deadlines import service
from catalog_svc.deadlines.rules import NoticeState
from catalog_svc.deadlines.schemas import NoticeIn, NoticeOut
from catalog_svc.entries import service as entries
from catalog_svc.regions import service as regions
from hub.db import SessionDep
from hub.dependencies import CalendarDep, TodayDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["change deadlines"])
Operator = Annotated[Caller, Depends(require_roles(*OPERATOR_ROLES))]


@router.post("/entries/{entry_id}/change-notices", status_code=status.HTTP_201_CREATED, response_model=NoticeOut)
async def open_notice(
    entry_id: uuid.UUID,
    body: NoticeIn,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_roles(Role.reviewer, Role.administrator))],
    today: TodayDep,
    calendar: CalendarDep,
) -> NoticeOut:
    """The bureau notes that an entry's elements changed: its agency has 15 working days to update it (A14.2).

    Where the working-day calendar does not cover those days yet, the due date is provisional (`provisional`),
    counted on weekends alone, and recomputed when an operator adds the year."""
    entry, _ = await entries.visible_entry(session, caller, entry_id)
    regions.require_scope(caller, entry.region_code)
    return NoticeOut.model_validate(
        await service.open_notice(session, entry, body.reason, caller.subject, today, calendar)
    )


@router.get("/change-notices", response_model=list[NoticeOut])
async def list_notices(
    session: SessionDep,
    caller: Operator,
    agency_id: uuid.UUID | None = None,
    state: Annotated[NoticeState | None, Query()] = None,
) -> list[NoticeOut]:
    """Open, met and overdue notices of the operator's region, earliest due first."""
    scope = await regions.subtree(session, caller.region_code or "")
    return [NoticeOut.model_validate(n) for n in await service.notices(session, scope, agency_id, state)]


@router.get("/change-notices/per-agency")
async def notices_per_agency(session: SessionDep, caller: Operator) -> dict[str, dict[str, int]]:
    """Per agency: open, met, met late and overdue notices (A14.2, A32.1)."""
    return await service.counts_per_agency(session, await regions.subtree(session, caller.region_code or ""))
