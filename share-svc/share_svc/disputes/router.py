"""HTTP for disputes over refused applications (A20.3): parse, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from share_svc.disputes import service
from share_svc.disputes.lifecycle import DisputeState
from share_svc.disputes.models import Dispute
from share_svc.disputes.schemas import (
    REGION_CODE,
    DecisionIn,
    DisputeIn,
    DisputeOut,
    DisputePage,
    DisputeStepOut,
    DisputeSummary,
    EscalationIn,
    GovernmentDecisionIn,
    NoteIn,
)
from share_svc.disputes.service import Decision, DisputeQuery

router = APIRouter(tags=["disputes"])
Applicant = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer))]
Reader = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
Bureau = Annotated[Caller, Depends(require_roles(Role.reviewer, Role.administrator))]
Administrator = Annotated[Caller, Depends(require_roles(Role.administrator))]


async def _out(session: AsyncSession, dispute: Dispute) -> DisputeOut:
    steps = [DisputeStepOut.model_validate(step) for step in await service.steps(session, dispute)]
    return DisputeOut(**DisputeSummary.model_validate(dispute).model_dump(), steps=steps)


@router.post("/applications/{application_id}/disputes", status_code=status.HTTP_201_CREATED, response_model=DisputeOut)
async def raise_dispute(
    application_id: uuid.UUID, body: DisputeIn, session: SessionDep, caller: Applicant, now: NowDep
) -> DisputeOut:
    """The refused applicant (its system or officer) disputes the refusal with its statement (A20.3). Only a refused
    application, once: 409 otherwise; 403 for the provider agency, 404 for anyone else."""
    return await _out(session, await service.raise_dispute(session, caller, application_id, body.statement, now))


@router.get("/disputes", response_model=DisputePage)
async def list_disputes(
    session: SessionDep,
    caller: Reader,
    region_code: Annotated[
        str | None, Query(pattern=REGION_CODE, description="An operator's region or one within it (A4.1).")
    ] = None,
    agency_id: Annotated[uuid.UUID | None, Query(description="Disputes this agency is party to.")] = None,
    state: DisputeState | None = None,
    application_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> DisputePage:
    """Disputes the caller sees, latest raised first: an operator's region's, an agency's own (as consumer; its
    officers also as provider)."""
    query = DisputeQuery(region_code, agency_id, state, application_id, limit, offset)
    rows = await service.disputes(session, caller, query)
    return DisputePage(limit=limit, offset=offset, items=[DisputeSummary.model_validate(row) for row in rows])


@router.get("/disputes/{dispute_id}", response_model=DisputeOut)
async def get_dispute(dispute_id: uuid.UUID, session: SessionDep, caller: Reader) -> DisputeOut:
    """One dispute with every step, dated and attributed (A20.3)."""
    return await _out(session, await service.visible_dispute(session, caller, dispute_id))


@router.post("/disputes/{dispute_id}/notes", response_model=DisputeOut)
async def add_note(dispute_id: uuid.UUID, body: NoteIn, session: SessionDep, caller: Bureau, now: NowDep) -> DisputeOut:
    """The bureau of the dispute's region records a coordination note (A20.3)."""
    return await _out(session, await service.add_note(session, caller, dispute_id, body.text, now))


@router.post("/disputes/{dispute_id}/decision", response_model=DisputeOut)
async def decide(
    dispute_id: uuid.UUID, body: DecisionIn, session: SessionDep, caller: Bureau, now: NowDep
) -> DisputeOut:
    """The bureau decides an open dispute (A20.3): upheld grants the application, dismissed lets the refusal stand;
    reasons required, risk level recorded (A29.1)."""
    decision = Decision(body.outcome, body.reasons, body.risk_level)
    return await _out(session, await service.decide(session, caller, dispute_id, decision, now))


@router.post("/disputes/{dispute_id}/escalation", response_model=DisputeOut)
async def escalate(
    dispute_id: uuid.UUID, body: EscalationIn, session: SessionDep, caller: Bureau, now: NowDep
) -> DisputeOut:
    """The bureau refers an open dispute to the region's government, with its reasons (A20.3)."""
    return await _out(session, await service.escalate(session, caller, dispute_id, body.authority, body.reasons, now))


@router.post("/disputes/{dispute_id}/government-decision", response_model=DisputeOut)
async def record_government_decision(
    dispute_id: uuid.UUID,
    body: GovernmentDecisionIn,
    session: SessionDep,
    caller: Administrator,
    now: NowDep,
    request: Request,
) -> DisputeOut:
    """An administrator of the region records the government's decision on an escalated dispute (A20.3)."""
    decision = Decision(body.outcome, body.reasons, body.risk_level, body.authority, body.reference, body.decided_on)
    timezone: str = request.app.state.settings.timezone
    return await _out(
        session, await service.record_government_decision(session, caller, dispute_id, decision, now, timezone)
    )
