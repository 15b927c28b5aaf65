"""One way an open application takes a step: the lifecycle decides the next state (a 409 otherwise), the step is
recorded (who, when, from which state, why), and its event goes to the outbox in the same transaction (A24.2)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import OpenApplicationStepped
from hub.internal_token import Caller
from hub.outbox import record_event
from open_svc.applications import lifecycle
from open_svc.applications.lifecycle import ApplicationAction, ApplicationState
from open_svc.applications.models import OpenApplication, OpenApplicationStep

SOURCE = "/hub/open"


async def take_step(
    session: AsyncSession,
    application: OpenApplication,
    action: ApplicationAction,
    caller: Caller,
    now: datetime,
    *,
    reasons: Sequence[str] = (),
) -> ApplicationState:
    """Move `application` by `action` (IllegalTransition if its state does not allow it), record the step and its
    event; the state after. The caller holds the application's row lock and has checked that it may act."""
    before = ApplicationState(application.state) if application.state else ApplicationState.new
    after = lifecycle.apply(before, action)
    application.state, application.updated_at = after, now
    state_before = None if before == ApplicationState.new else before
    agency = uuid.UUID(caller.agency_id) if caller.agency_id else None
    session.add(
        OpenApplicationStep(
            application_id=application.id, action=action, state_before=state_before, state=after,
            actor=caller.subject, actor_agency_id=agency, at=now, reasons=list(reasons),
        )
    )  # fmt: skip
    items = application.approved_items if action == ApplicationAction.approve else application.items
    await record_event(
        session,
        OpenApplicationStepped(
            application_id=application.id, entry_id=application.entry_id,
            provider_agency_id=application.provider_agency_id, region_code=application.region_code, action=action,
            state_before=state_before, state=after, actor=caller.subject, at=now, reasons=list(reasons),
            items=list(items or ()),
        ),
        source=SOURCE,
    )  # fmt: skip
    return after
