"""HTTP for the agency read model."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from hub.db import SessionDep
from hub.roles import OPERATOR_ROLES, Role, require_roles
from share_svc.directory import service
from share_svc.directory.schemas import KnownAgencyOut

router = APIRouter(
    prefix="/agencies",
    tags=["directory"],
    dependencies=[Depends(require_roles(Role.agency_system, *OPERATOR_ROLES))],
)


@router.get("/{agency_id}", response_model=KnownAgencyOut)
async def get_known_agency(agency_id: uuid.UUID, session: SessionDep) -> KnownAgencyOut:
    """An agency as the sharing platform knows it."""
    return KnownAgencyOut.model_validate(await service.get_known_agency(session, agency_id))
