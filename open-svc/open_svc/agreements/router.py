"""HTTP for the open-use agreement (A24.3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from open_svc.agreements import service
from open_svc.agreements.schemas import MAX_VERSION, AcceptanceIn, AcceptanceOut, AgreementIn, AgreementOut

router = APIRouter(tags=["open-use agreement"])
Administrator = Annotated[Caller, Depends(require_roles(Role.administrator))]
PortalUser = Annotated[Caller, Depends(require_roles(Role.portal_user))]
Reader = Annotated[Caller, Depends(require_roles(Role.portal_user, Role.agency_officer, *OPERATOR_ROLES))]
Version = Annotated[int, Path(ge=1, le=MAX_VERSION, description="A version of the agreement")]


@router.post("/agreements", status_code=status.HTTP_201_CREATED, response_model=AgreementOut)
async def publish(body: AgreementIn, session: SessionDep, caller: Administrator, now: NowDep) -> AgreementOut:
    """Publish a new version of the open-use agreement, in force from now on (A24.3)."""
    return AgreementOut.model_validate(await service.publish(session, caller, body, now))


@router.get("/agreements/current", response_model=AgreementOut)
async def current(session: SessionDep) -> AgreementOut:
    """The open-use agreement in force, for anyone to read before applying (A24.3)."""
    return AgreementOut.model_validate(await service.current(session))


@router.get("/agreements/{version}", response_model=AgreementOut)
async def version(version: Version, session: SessionDep) -> AgreementOut:
    """One version of the agreement, in force or earlier (what an earlier acceptance accepted)."""
    return AgreementOut.model_validate(await service.version(session, version))


@router.post(
    "/applications/{application_id}/agreement", status_code=status.HTTP_201_CREATED, response_model=AcceptanceOut
)
async def accept(
    application_id: uuid.UUID, body: AcceptanceIn, session: SessionDep, caller: PortalUser, now: NowDep
) -> AcceptanceOut:
    """The applicant of an approved application accepts the agreement in force (its `version`), recorded with the
    time and the applicant's identity; only then may it obtain a data key (A24.3)."""
    return AcceptanceOut.model_validate(await service.accept(session, caller, application_id, body.version, now))


@router.get("/applications/{application_id}/agreement", response_model=AcceptanceOut)
async def acceptance(application_id: uuid.UUID, session: SessionDep, caller: Reader) -> AcceptanceOut:
    """The application's acceptance of the agreement (A24.3), for its applicant, agency and bureau."""
    return AcceptanceOut.model_validate(await service.acceptance(session, caller, application_id))
