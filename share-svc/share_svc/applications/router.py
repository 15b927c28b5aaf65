"""HTTP for share applications and their reviews: parse, call the services, shape the response."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request, status

from hub.db import SessionDep
from hub.dependencies import CalendarDep, NowDep, TodayDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from hub.span_attributes import tag_ids
from share_svc.applications import service
from share_svc.applications.lifecycle import ApplicationState
from share_svc.applications.rules import Party, Side
from share_svc.applications.schemas import (
    ApplicationDetail,
    ApplicationFilters,
    ApplicationIn,
    ApplicationOut,
    ReviewIn,
    WithdrawIn,
)
from share_svc.applications.service import ApplicationView, ReviewTerms
from share_svc.catalogue import service as catalogue
from share_svc.settings import Settings

router = APIRouter(prefix="/applications", tags=["applications"])
Agency = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer))]
Reader = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
ProviderOfficer = Annotated[Caller, Depends(require_roles(Role.agency_officer))]
BureauReviewer = Annotated[Caller, Depends(require_roles(Role.reviewer))]
# Far past any hub's applications, and far inside PostgreSQL's bigint OFFSET: a larger one is a 422, not a 500.
MAX_OFFSET = 1_000_000


def review_terms(request: Request) -> ReviewTerms:
    """The time limits in the service's settings."""
    settings: Settings = request.app.state.settings
    return ReviewTerms(settings.share_review_working_days, settings.share_review_working_days_by_region,
                       settings.share_max_grant_days)  # fmt: skip


def _detail(view: ApplicationView, now: datetime) -> ApplicationDetail:
    return ApplicationDetail.of(view.application, view.steps, view.reviews, view.grant, now)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApplicationDetail)
async def apply(
    body: ApplicationIn,
    session: SessionDep,
    caller: Agency,
    terms: Annotated[ReviewTerms, Depends(review_terms)],
    now: NowDep,
    today: TodayDep,
    calendar: CalendarDep,
) -> ApplicationDetail:
    """Apply, as the caller's agency, for items of a published entry, for a purpose and a period (A21.1).

    Unconditionally shared data is granted at once: the answer carries the grant (A20.1). Conditionally shared
    data is reviewed by the provider agency's officer and the bureau of the entry's region, each within working
    days (A20.2). Not-shared or secret data is refused (403) citing the entry's legal basis (A19.2, A38.1)."""
    entry = await catalogue.held_entry(session, body.entry_id)
    view = await service.apply(session, caller, entry, body, terms, now, today, calendar)
    tag_ids({"entry_id": body.entry_id, "application_id": view.application.id,
             "grant_id": view.grant.id if view.grant else None})  # fmt: skip
    return _detail(view, now)


@router.get("", response_model=list[ApplicationOut])
async def list_applications(
    session: SessionDep,
    caller: Reader,
    state: ApplicationState | None = None,
    entry_id: uuid.UUID | None = None,
    side: Annotated[
        Side | None, Query(alias="as", description="Agencies: only as consumer, or only as provider (officers)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[ApplicationOut]:
    """Applications the caller sees, newest first: its agency's as consumer and, for its officers, as provider;
    an operator's, those of its region and the regions within it (A4.1)."""
    filters = ApplicationFilters(state=state, entry_id=entry_id)
    found = await service.applications(session, caller, side, filters, limit, offset)
    return [ApplicationOut.model_validate(a) for a in found]


@router.get("/{application_id}", response_model=ApplicationDetail)
async def get_application(
    application_id: uuid.UUID, session: SessionDep, caller: Reader, now: NowDep
) -> ApplicationDetail:
    """One application with every step (who, when, why, at which risk), its reviews and its grant."""
    return _detail(await service.application_view(session, caller, application_id), now)


@router.post("/{application_id}/reviews/provider", response_model=ApplicationDetail)
async def review_as_provider(
    application_id: uuid.UUID, body: ReviewIn, session: SessionDep, caller: ProviderOfficer, now: NowDep,
    today: TodayDep,
) -> ApplicationDetail:  # fmt: skip
    """The provider agency's officer approves or refuses, with reasons to refuse and a risk level (A20.2, A29.1)."""
    view = await service.review(session, caller, application_id, Party.provider, body.decision, body.reasons,
                                body.risk_level, now, today)  # fmt: skip
    return _detail(view, now)


@router.post("/{application_id}/reviews/bureau", response_model=ApplicationDetail)
async def review_as_bureau(
    application_id: uuid.UUID, body: ReviewIn, session: SessionDep, caller: BureauReviewer, now: NowDep,
    today: TodayDep,
) -> ApplicationDetail:  # fmt: skip
    """The bureau's reviewer of the entry's region approves or refuses, with reasons to refuse and a risk level
    (A4.1, A20.2, A29.1)."""
    view = await service.review(session, caller, application_id, Party.bureau, body.decision, body.reasons,
                                body.risk_level, now, today)  # fmt: skip
    return _detail(view, now)


@router.post("/{application_id}/withdraw", response_model=ApplicationDetail)
async def withdraw(
    application_id: uuid.UUID,
    session: SessionDep,
    caller: Agency,
    now: NowDep,
    today: TodayDep,
    body: Annotated[WithdrawIn | None, Body()] = None,
) -> ApplicationDetail:
    """The applicant agency withdraws its application before a decision."""
    reasons = body.reasons if body is not None else []
    return _detail(await service.withdraw(session, caller, application_id, reasons, now, today), now)
