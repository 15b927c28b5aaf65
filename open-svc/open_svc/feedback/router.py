"""HTTP for error reports and objections (A26.1)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, Query, status

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from open_svc.feedback import service
from open_svc.feedback.lifecycle import ReportState
from open_svc.feedback.schemas import AnswerIn, ReportCountsOut, ReportFiled, ReportIn, ReportOut, ReportPage
from open_svc.feedback.service import ReportQuery

router = APIRouter(tags=["error reports and objections"])
Reporter = Annotated[
    Caller, Depends(require_roles(Role.anonymous, Role.portal_user, Role.agency_system, Role.agency_officer))
]
Follower = Annotated[
    Caller, Depends(require_roles(Role.portal_user, Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))
]
Viewer = Annotated[
    Caller,
    Depends(require_roles(Role.anonymous, Role.portal_user, Role.agency_system, Role.agency_officer, *OPERATOR_ROLES)),
]
Officer = Annotated[Caller, Depends(require_roles(Role.agency_officer))]
ReporterToken = Annotated[
    str | None,
    Header(max_length=64, description="An anonymous reporter's token, as answered when the report was filed."),
]


@router.post("/feedback", status_code=status.HTTP_201_CREATED, response_model=ReportFiled)
async def file_report(body: ReportIn, session: SessionDep, caller: Reporter, now: NowDep) -> ReportFiled:
    """Report an obvious error in, or object to, an open dataset (an agency: also data shared with it); the report
    goes to the agency responsible for the data (A26.1). Anonymous reporters get a token to follow it with."""
    report, token = await service.file(session, caller, body, now)
    return ReportFiled(**ReportOut.model_validate(report).model_dump(), reporter_token=token)


@router.get("/feedback", response_model=ReportPage)
async def list_reports(
    session: SessionDep,
    caller: Follower,
    state: ReportState | None = None,
    entry_id: uuid.UUID | None = None,
    filed: Annotated[bool, Query(description="An agency's officers: the reports their agency filed.")] = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ReportPage:
    """Reports the caller follows: a portal user's own; an agency's officers those to answer (or, `filed`, those it
    filed); an agency's systems those it filed; the bureau its region's. Unanswered first (A26.1)."""
    query = ReportQuery(state=state, entry_id=entry_id, filed=filed, limit=limit, offset=offset)
    found, total = await service.listing(session, caller, query)
    return ReportPage(reports=[ReportOut.model_validate(r) for r in found], total=total)


@router.get("/feedback/counts", response_model=dict[str, ReportCountsOut])
async def report_counts(
    session: SessionDep,
    by: Literal["entry", "agency"] = "entry",
    entry_id: Annotated[uuid.UUID | None, Query(description="One dataset (with by=entry).")] = None,
    agency_id: Annotated[uuid.UUID | None, Query(description="One agency (with by=agency).")] = None,
) -> dict[str, ReportCountsOut]:
    """Error reports and objections made on open datasets and how they stand, per dataset or per agency: what feeds
    the quality shown on the portal (A26.1, A25.1)."""
    found = await service.public_counts(session, by, entry_id if by == "entry" else agency_id)
    return {str(subject): ReportCountsOut.model_validate(counted) for subject, counted in found.items()}


@router.get("/feedback/{report_id}", response_model=ReportOut)
async def get_report(
    report_id: uuid.UUID, session: SessionDep, caller: Viewer, x_reporter_token: ReporterToken = None
) -> ReportOut:
    """A report with its state and answer, for its reporter (anonymous: with X-Reporter-Token), the responsible
    agency's officers and the bureau."""
    return ReportOut.model_validate(await service.visible(session, caller, report_id, x_reporter_token))


@router.post("/feedback/{report_id}/take-up", response_model=ReportOut)
async def take_up(report_id: uuid.UUID, session: SessionDep, caller: Officer, now: NowDep) -> ReportOut:
    """An officer of the responsible agency takes the report up."""
    return ReportOut.model_validate(await service.take_up(session, caller, report_id, now))


@router.post("/feedback/{report_id}/answer", response_model=ReportOut)
async def answer(report_id: uuid.UUID, body: AnswerIn, session: SessionDep, caller: Officer, now: NowDep) -> ReportOut:
    """An officer of the responsible agency answers: corrected, or rejected with why the data stands (A26.1)."""
    return ReportOut.model_validate(await service.answer(session, caller, report_id, body, now))
