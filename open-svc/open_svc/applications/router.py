"""HTTP for conditional open applications (A24.2)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from hub.db import SessionDep
from hub.dependencies import CalendarDep, NowDep, TodayDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from open_svc.applications import service
from open_svc.applications.lifecycle import ApplicationState
from open_svc.applications.rules import Deadline
from open_svc.applications.schemas import (
    AgencyCounts,
    ApplicationDetail,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    DecisionIn,
    StepOut,
)
from open_svc.applications.service import ApplicationQuery

router = APIRouter(tags=["conditional open applications"])
PortalUser = Annotated[Caller, Depends(require_roles(Role.portal_user))]
Officer = Annotated[Caller, Depends(require_roles(Role.agency_officer))]
# Who reads applications: applicants their own, officers their agency's, the bureau its region's.
Reader = Annotated[Caller, Depends(require_roles(Role.portal_user, Role.agency_officer, *OPERATOR_ROLES))]
Overseer = Annotated[Caller, Depends(require_roles(Role.agency_officer, *OPERATOR_ROLES))]


@router.post("/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationOut)
async def apply(
    body: ApplicationIn, session: SessionDep, caller: PortalUser, today: TodayDep, now: NowDep, calendar: CalendarDep
) -> ApplicationOut:
    """Apply to the collecting agency for items of a conditional open dataset, with purpose, data format and the
    applicant's identity (A24.2). The agency answers within 10 working days on the hub's calendar (`due_on`)."""
    return ApplicationOut.of(await service.apply(session, caller, body, today, now, calendar), today)


@router.get("/applications", response_model=ApplicationPage)
async def list_applications(
    session: SessionDep,
    caller: Reader,
    today: TodayDep,
    calendar: CalendarDep,
    state: ApplicationState | None = None,
    deadline: Annotated[
        Deadline | None, Query(description="approaching: due within 3 working days; overdue: past due (A24.2).")
    ] = None,
    entry_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> ApplicationPage:
    """Applications the caller may see, earliest due first: a portal user's own, an officer's agency's, the
    bureau's region's; `deadline` lists the approaching or overdue ones (A24.2)."""
    query = ApplicationQuery(state=state, deadline=deadline, entry_id=entry_id, limit=limit, offset=offset)
    found, total = await service.listing(session, caller, query, today, calendar)
    return ApplicationPage(applications=[ApplicationOut.of(a, today) for a in found], total=total)


@router.get("/applications/counts", response_model=dict[str, AgencyCounts])
async def application_counts(
    session: SessionDep, caller: Overseer, today: TodayDep, calendar: CalendarDep
) -> dict[str, AgencyCounts]:
    """Per collecting agency (an officer: its own; the bureau: its region's): pending, approaching, overdue,
    approved, refused, decided late and withdrawn applications (A24.2)."""
    return await service.counts_per_agency(session, caller, today, calendar)


@router.get("/applications/{application_id}", response_model=ApplicationDetail)
async def get_application(
    application_id: uuid.UUID, session: SessionDep, caller: Reader, today: TodayDep
) -> ApplicationDetail:
    """One application with its steps, for its applicant, the collecting agency's officers and the bureau."""
    application = await service.visible(session, caller, application_id)
    steps = [StepOut.model_validate(s) for s in await service.steps(session, application)]
    return ApplicationDetail.of(application, today, steps=steps)


@router.post("/applications/{application_id}/decision", response_model=ApplicationOut)
async def decide(
    application_id: uuid.UUID, body: DecisionIn, session: SessionDep, caller: Officer, today: TodayDep, now: NowDep
) -> ApplicationOut:
    """The collecting agency's officer approves (the items asked, or fewer with reasons) or refuses with reasons
    (A24.2). An approval still needs the applicant's acceptance of the agreement before any key (A24.3)."""
    return ApplicationOut.of(await service.decide(session, caller, application_id, body, today, now), today)


@router.post("/applications/{application_id}/withdraw", response_model=ApplicationOut)
async def withdraw(
    application_id: uuid.UUID, session: SessionDep, caller: PortalUser, today: TodayDep, now: NowDep
) -> ApplicationOut:
    """The applicant withdraws an application not answered yet, or approved and not yet agreed."""
    return ApplicationOut.of(await service.withdraw(session, caller, application_id, today, now), today)
