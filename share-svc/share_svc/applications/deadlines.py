"""Review deadlines (A20.2: granted promptly): each pending review of a conditional application is due a number of
working days after the application (settings, per region), announced on share.events when due within a few working
days (ReviewApproaching) and once past due (ReviewOverdue). The mechanics are hub.deadlines'; this module names
the table and the events, and makes the lifespan part that keeps them (safe on several replicas)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.share import ReviewApproaching, ReviewOverdue
from hub.deadlines import DeadlineKind, deadline_upkeep
from hub.outbox import record_event
from share_svc.applications.models import Review
from share_svc.applications.steps import SOURCE
from share_svc.settings import Settings


def _fields(review: Review) -> dict[str, Any]:
    return {
        "application_id": review.application_id,
        "party": review.party,
        "agency_id": review.agency_id,
        "region_code": review.region_code,
        "due_on": review.due_on,
        "provisional": review.due_provisional,
    }


async def _announce_approaching(session: AsyncSession, review: Review) -> None:
    await record_event(session, ReviewApproaching(**_fields(review)), source=SOURCE)


async def _announce_overdue(session: AsyncSession, review: Review) -> None:
    await record_event(session, ReviewOverdue(**_fields(review)), source=SOURCE)


REVIEWS = DeadlineKind(model=Review, on_overdue=_announce_overdue, on_approaching=_announce_approaching)


def review_deadlines(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """The lifespan part keeping review deadlines (ServiceSpec.extra_lifespans), sweeping as often as the settings
    say."""
    settings: Settings = app.state.settings
    return deadline_upkeep(REVIEWS, name="reviews", sweep_seconds=settings.share_review_sweep_seconds)(app)
