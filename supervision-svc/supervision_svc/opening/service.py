"""The open platform's facts, kept current from open.events: open applications and their answers (A24.2), the
replies announced overdue, error reports (A26.1), demands (A27.1) and quality scores (A25.1). Each applies in the
consumer's transaction, once per event (the inbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.open import (
    DatasetQualityScored,
    DemandStepped,
    FeedbackStepped,
    OpenApplicationOverdue,
    OpenApplicationStepped,
)
from supervision_svc.opening.models import Demand, ErrorReport, OpenApplication, OverdueOpenReply, QualityScore
from supervision_svc.sources import OPEN_ANSWERS, REPORT_ANSWERED_STATES


async def record_application_step(session: AsyncSession, event: OpenApplicationStepped) -> None:
    """An application's first step dates it; the collecting agency's approval or refusal dates its answer (A24.2)."""
    moment: dict[str, Any] = {}
    if event.state_before is None:
        moment["applied_at"] = event.at
    if event.action in OPEN_ANSWERS:
        moment["answered_at"] = event.at
    if not moment:
        return
    values = {"application_id": event.application_id, "provider_agency_id": event.provider_agency_id,
              "region_code": event.region_code, **moment}  # fmt: skip
    statement = insert(OpenApplication).values(values)
    await session.execute(statement.on_conflict_do_update(index_elements=["application_id"], set_=moment))


async def record_overdue_reply(session: AsyncSession, event: OpenApplicationOverdue) -> None:
    """The answer is past its 10 working days (A24.2): counted once per application."""
    values = {"application_id": event.application_id, "provider_agency_id": event.provider_agency_id,
              "region_code": event.region_code, "due_on": event.due_on}  # fmt: skip
    await session.execute(
        insert(OverdueOpenReply).values(values).on_conflict_do_nothing(index_elements=["application_id"])
    )


async def record_feedback_step(session: AsyncSession, event: FeedbackStepped) -> None:
    """A report is dated by its earliest step (the report itself) and answered when corrected or rejected (A26.1)."""
    answered = event.at if event.state in REPORT_ANSWERED_STATES else None
    values = {"report_id": event.report_id, "agency_id": event.agency_id, "region_code": event.region_code,
              "reported_at": event.at, "answered_at": answered}  # fmt: skip
    statement = insert(ErrorReport).values(values)
    update: dict[str, Any] = {"reported_at": func.least(ErrorReport.reported_at, statement.excluded.reported_at)}
    if answered is not None:
        update["answered_at"] = answered
    await session.execute(statement.on_conflict_do_update(index_elements=["report_id"], set_=update))


async def record_demand_step(session: AsyncSession, event: DemandStepped) -> None:
    """A demand is dated by its earliest step (the request) and answered once the bureau gave an outcome (A27.1). It
    is of the agency and region a step names, the first one naming them (steps may arrive in any order, and a step
    naming none says nothing against them), so it counts for them (A32.1)."""
    answered = event.at if event.outcome is not None else None
    values = {"demand_id": event.demand_id, "agency_id": event.agency_id, "region_code": event.region_code,
              "requested_at": event.at, "answered_at": answered}  # fmt: skip
    statement = insert(Demand).values(values)
    update: dict[str, Any] = {
        "requested_at": func.least(Demand.requested_at, statement.excluded.requested_at),
        "agency_id": func.coalesce(Demand.agency_id, statement.excluded.agency_id),
        "region_code": func.coalesce(Demand.region_code, statement.excluded.region_code),
    }
    if answered is not None:
        update["answered_at"] = answered
    await session.execute(statement.on_conflict_do_update(index_elements=["demand_id"], set_=update))


async def record_quality(session: AsyncSession, event: DatasetQualityScored) -> None:
    """The dataset's score from `scored_at` on (A25.1); the history stays, so a period reads the score it ended
    with."""
    values = {"entry_id": event.entry_id, "scored_at": event.scored_at, "provider_agency_id": event.provider_agency_id,
              "region_code": event.region_code, "score": event.score}  # fmt: skip
    await session.execute(
        insert(QualityScore).values(values).on_conflict_do_nothing(index_elements=["entry_id", "scored_at"])
    )


def keep_current(handlers: EventHandlers) -> None:
    """Register the handlers of the open platform's events."""
    handlers.on(OpenApplicationStepped)(record_application_step)
    handlers.on(OpenApplicationOverdue)(record_overdue_reply)
    handlers.on(FeedbackStepped)(record_feedback_step)
    handlers.on(DemandStepped)(record_demand_step)
    handlers.on(DatasetQualityScored)(record_quality)
