"""HTTP for the agency registry: parse, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from catalog_svc.agencies import service
from catalog_svc.agencies.schemas import AgencyChange, AgencyIn, AgencyOut
from hub.db import ReadConnectionDep, ReadSessionDep, SessionDep
from hub.dependencies import CalendarDep, TodayDep
from hub.internal_token import Caller
from hub.roles import Role, require_roles

router = APIRouter(prefix="/agencies", tags=["agencies"])
# Far past any registry's size, and far inside PostgreSQL's bigint OFFSET: a larger one is a 422, not a 500.
MAX_OFFSET = 1_000_000


@router.post("", status_code=status.HTTP_201_CREATED, response_model=AgencyOut)
async def register_agency(
    body: AgencyIn, session: SessionDep, caller: Annotated[Caller, Depends(require_roles(Role.administrator))]
) -> AgencyOut:
    """Register an agency (A2.1) in the administrator's region (A4.1)."""
    return AgencyOut.model_validate(await service.register_agency(session, caller, body))


@router.patch("/{agency_id}", response_model=AgencyOut)
async def change_agency(
    agency_id: uuid.UUID,
    body: AgencyChange,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_roles(Role.administrator))],
    today: TodayDep,
    calendar: CalendarDep,
) -> AgencyOut:
    """Change an agency; changed duties open change notices on its published entries (A14.2)."""
    return AgencyOut.model_validate(await service.change_agency(session, caller, agency_id, body, today, calendar))


@router.get("/{agency_id}", response_model=AgencyOut)
async def get_agency(agency_id: uuid.UUID, connection: ReadConnectionDep) -> AgencyOut:
    """One agency."""
    return AgencyOut.model_validate(dict(await service.agency_row(connection, agency_id)))


@router.get("", response_model=list[AgencyOut])
async def list_agencies(
    session: ReadSessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[AgencyOut]:
    """Registered agencies, oldest first."""
    return [AgencyOut.model_validate(a) for a in await service.agencies(session, limit, offset)]
