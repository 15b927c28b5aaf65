"""HTTP for grants: parse, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from share_svc.applications.rules import Side
from share_svc.grants import service
from share_svc.grants.rules import GrantStatus
from share_svc.grants.schemas import GrantFilters, GrantOut, RevokeIn

router = APIRouter(prefix="/grants", tags=["grants"])
Reader = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
Revoker = Annotated[
    Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, Role.reviewer, Role.administrator))
]
# Far past any hub's grants, and far inside PostgreSQL's bigint OFFSET: a larger one is a 422, not a 500.
MAX_OFFSET = 1_000_000


@router.get("", response_model=list[GrantOut])
async def list_grants(
    session: SessionDep,
    caller: Reader,
    now: NowDep,
    status: GrantStatus | None = None,
    entry_id: uuid.UUID | None = None,
    side: Annotated[
        Side | None, Query(alias="as", description="Agencies: only as consumer, or only as provider (officers)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[GrantOut]:
    """Grants the caller sees, newest first: its agency's as consumer and, for its officers, as provider; an
    operator's, those of its region and the regions within it (A4.1). `status` as of now."""
    found = await service.grants(session, caller, side, GrantFilters(status, entry_id), now, limit, offset)
    return [GrantOut.of(g, now) for g in found]


@router.get("/{grant_id}", response_model=GrantOut)
async def get_grant(grant_id: uuid.UUID, session: SessionDep, caller: Reader, now: NowDep) -> GrantOut:
    """One grant: consumer, entry, items, purpose, period, and whether it is live (A21.1)."""
    return GrantOut.of(await service.visible_grant(session, caller, grant_id), now)


@router.post("/{grant_id}/revoke", response_model=GrantOut)
async def revoke(grant_id: uuid.UUID, body: RevokeIn, session: SessionDep, caller: Revoker, now: NowDep) -> GrantOut:
    """End the grant now, with the reason: an officer of its provider agency, the bureau of its region, or its
    consumer agency renouncing it. The big data centre refuses deliveries under it from then on (A21.1)."""
    return GrantOut.of(await service.revoke(session, caller, grant_id, body.reason, now), now)
