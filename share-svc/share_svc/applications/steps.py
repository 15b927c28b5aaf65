"""One way an application takes a step: the lifecycle decides the next state (a 409 otherwise), the step is
recorded (who, when, from which state, why, at which risk), the event goes to the outbox in the same transaction,
and a step into `granted` issues the grant (A20.1, A20.2, A20.3, A29.1).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.share import ApplicationStepped
from hub.contracts.vocabulary import RiskLevel
from hub.internal_token import Caller
from hub.outbox import record_event
from share_svc.applications import lifecycle
from share_svc.applications.lifecycle import ApplicationAction, ApplicationState
from share_svc.applications.models import Application, ApplicationStep
from share_svc.grants.issuing import issue_grant
from share_svc.grants.models import Grant

SOURCE = "share-svc"


@dataclass(frozen=True)
class Actor:
    """Who takes a step: a caller the gateway vouched for, or the hub itself (`Actor.hub()`)."""

    subject: str
    agency_id: uuid.UUID | None = None
    region_code: str | None = None

    @classmethod
    def of(cls, caller: Caller) -> Actor:
        agency = uuid.UUID(caller.agency_id) if caller.agency_id else None
        return cls(caller.subject, agency, caller.region_code)

    @classmethod
    def hub(cls) -> Actor:
        return cls(SOURCE)


async def take_step(
    session: AsyncSession,
    application: Application,
    action: ApplicationAction,
    actor: Actor,
    now: datetime,
    *,
    reasons: Sequence[str] = (),
    risk_level: RiskLevel | None = None,
) -> Grant | None:
    """Move `application` by `action` (IllegalTransition if its state does not allow it), record the step and its
    event; the grant issued when the step reaches `granted`, else None. The caller holds the application's row
    lock (SELECT … FOR UPDATE) and has checked that `actor` may take the step."""
    before = ApplicationState(application.state) if application.state else ApplicationState.new
    after = lifecycle.apply(before, action)
    application.state, application.updated_at = after, now
    if after in (ApplicationState.granted, ApplicationState.refused) and application.decided_at is None:
        application.decided_at = now
    session.add(
        ApplicationStep(
            application_id=application.id, action=action, state_before=None if before == "new" else before,
            state=after, actor=actor.subject, actor_agency_id=actor.agency_id, actor_region_code=actor.region_code,
            at=now, reasons=list(reasons), risk_level=risk_level,
        )
    )  # fmt: skip
    await record_event(
        session,
        ApplicationStepped(
            application_id=application.id, entry_id=application.entry_id,
            consumer_agency_id=application.consumer_agency_id, provider_agency_id=application.provider_agency_id,
            region_code=application.region_code, action=action, state_before=None if before == "new" else before,
            state=after, actor=actor.subject, at=now, reasons=list(reasons), risk_level=risk_level,
        ),
        source=SOURCE,
    )  # fmt: skip
    if after == ApplicationState.granted:
        return await issue_grant(session, application, now)
    return None
