"""HTTP for consent records (A16.1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status

from aggregation_svc.consent import service
from aggregation_svc.consent.schemas import ConsentIn, ConsentOut, RevocationIn
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["consent"])


@router.post("/consents", status_code=status.HTTP_201_CREATED, response_model=ConsentOut)
async def record_consent(
    body: ConsentIn, session: SessionDep, caller: Annotated[Caller, Depends(require_roles(Role.agency_system))]
) -> ConsentOut:
    """Record a subject's consent: purpose, method, scope, the channels to query and correct, the entries (A16.1)."""
    return service.consent_out(await service.record_consent(session, caller, body))


@router.get("/consents/{consent_id}", response_model=ConsentOut)
async def get_consent(
    consent_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_roles(Role.agency_system, *OPERATOR_ROLES))],
) -> ConsentOut:
    """A consent record and whether it holds now (A16.1)."""
    return service.consent_out(await service.readable_consent(session, caller, consent_id))


@router.post("/consents/{consent_id}/revoke", response_model=ConsentOut)
async def revoke_consent(
    consent_id: uuid.UUID,
    body: RevocationIn,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_roles(Role.agency_system, Role.administrator))],
) -> ConsentOut:
    """Revoke a consent: its records leave every later delivery (A16.1)."""
    return service.consent_out(await service.revoke(session, caller, consent_id, body.reason))
