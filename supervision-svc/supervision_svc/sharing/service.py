"""The sharing platform's facts, kept current from share.events (A20.2): when a conditional application was made
and when its provider agency decided it, and the reviews announced overdue. Each applies in the consumer's
transaction, once per event (the inbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.share import ApplicationStepped, ReviewOverdue
from supervision_svc.sharing.models import OverdueReview, ShareApplication
from supervision_svc.sources import SHARE_PROVIDER_DECISIONS


async def record_step(session: AsyncSession, event: ApplicationStepped) -> None:
    """An application's first step dates it; its provider's decision dates the agency's answer (A20.2). Other steps
    change nothing the indicators count."""
    moment: dict[str, Any] = {}
    if event.state_before is None:
        moment["applied_at"] = event.at
    if event.action in SHARE_PROVIDER_DECISIONS:
        moment["provider_decided_at"] = event.at
    if not moment:
        return
    values = {"application_id": event.application_id, "provider_agency_id": event.provider_agency_id,
              "region_code": event.region_code, **moment}  # fmt: skip
    statement = insert(ShareApplication).values(values)
    await session.execute(statement.on_conflict_do_update(index_elements=["application_id"], set_=moment))


async def record_overdue_review(session: AsyncSession, event: ReviewOverdue) -> None:
    """A review passed its due date undecided (A20.2): counted once per application and party."""
    values = {"application_id": event.application_id, "party": event.party, "agency_id": event.agency_id,
              "region_code": event.region_code, "due_on": event.due_on}  # fmt: skip
    await session.execute(
        insert(OverdueReview).values(values).on_conflict_do_nothing(index_elements=["application_id", "party"])
    )


def keep_current(handlers: EventHandlers) -> None:
    """Register the handlers of the sharing platform's events."""
    handlers.on(ApplicationStepped)(record_step)
    handlers.on(ReviewOverdue)(record_overdue_review)
