"""HTTP for demand requests (A27.1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import Role, require_roles
from open_svc.demands import service
from open_svc.demands.lifecycle import DemandState
from open_svc.demands.schemas import DemandAnswerIn, DemandIn, DemandOut, DemandPage

router = APIRouter(tags=["demand requests"])
PortalUser = Annotated[Caller, Depends(require_roles(Role.portal_user))]
Bureau = Annotated[Caller, Depends(require_roles(Role.reviewer, Role.administrator))]


@router.post("/demands", status_code=status.HTTP_201_CREATED, response_model=DemandOut)
async def request_data(body: DemandIn, session: SessionDep, caller: PortalUser, now: NowDep) -> DemandOut:
    """Ask for data to be opened (A27.1); the request counts as the requester's vote."""
    return DemandOut.model_validate(await service.request(session, caller, body, now))


@router.get("/demands", response_model=DemandPage)
async def list_demands(
    session: SessionDep,
    state: DemandState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DemandPage:
    """Demands for open data, most votes first, with the bureau's answers (A27.1)."""
    found, total = await service.listing(session, state, limit, offset)
    return DemandPage(demands=[DemandOut.model_validate(d) for d in found], total=total)


@router.get("/demands/{demand_id}", response_model=DemandOut)
async def get_demand(demand_id: uuid.UUID, session: SessionDep) -> DemandOut:
    """One demand, its votes and the bureau's answer."""
    return DemandOut.model_validate(await service.get(session, demand_id))


@router.post("/demands/{demand_id}/votes", status_code=status.HTTP_201_CREATED, response_model=DemandOut)
async def vote(demand_id: uuid.UUID, session: SessionDep, caller: PortalUser, now: NowDep) -> DemandOut:
    """Vote for a demand: once per account, a second vote is a 409 (A27.1)."""
    return DemandOut.model_validate(await service.vote(session, caller, demand_id, now))


@router.post("/demands/{demand_id}/answer", response_model=DemandOut)
async def answer(
    demand_id: uuid.UUID, body: DemandAnswerIn, session: SessionDep, caller: Bureau, now: NowDep
) -> DemandOut:
    """The bureau answers a demand (A27.1): planned, opened (naming the open dataset) or declined, with its answer."""
    return DemandOut.model_validate(await service.answer(session, caller, demand_id, body, now))
