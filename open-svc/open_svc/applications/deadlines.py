"""The collecting agency's 10 working days to answer (A24.2) on the hub's calendar: hub.deadlines does the
mechanics (the calendar followed without restart, provisional dates recomputed, each approaching and overdue
application announced once, safe on several replicas); this module names the table and the events."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import OpenApplicationApproaching, OpenApplicationDueDateRecomputed, OpenApplicationOverdue
from hub.deadlines import DeadlineKind, deadline_upkeep
from hub.outbox import record_event
from open_svc.applications.models import OpenApplication
from open_svc.applications.steps import SOURCE


def _fields(application: OpenApplication) -> dict[str, Any]:
    return {
        "application_id": application.id,
        "entry_id": application.entry_id,
        "provider_agency_id": application.provider_agency_id,
        "region_code": application.region_code,
        "due_on": application.due_on,
        "provisional": application.due_provisional,
    }


async def _announce_overdue(session: AsyncSession, application: OpenApplication) -> None:
    await record_event(session, OpenApplicationOverdue(**_fields(application)), source=SOURCE)


async def _announce_approaching(session: AsyncSession, application: OpenApplication) -> None:
    await record_event(session, OpenApplicationApproaching(**_fields(application)), source=SOURCE)


async def _announce_recomputed(session: AsyncSession, application: OpenApplication, previous_due_on: date) -> None:
    event = OpenApplicationDueDateRecomputed(**_fields(application), previous_due_on=previous_due_on)
    await record_event(session, event, source=SOURCE)


OPEN_APPLICATIONS = DeadlineKind(
    model=OpenApplication,
    on_overdue=_announce_overdue,
    on_approaching=_announce_approaching,
    on_recomputed=_announce_recomputed,
)


@contextlib.asynccontextmanager
async def application_deadlines(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan part keeping the applications' deadlines current, sweeping as often as the settings say."""
    upkeep = deadline_upkeep(
        OPEN_APPLICATIONS, name="open-applications", sweep_seconds=app.state.settings.deadline_sweep_seconds
    )
    async with upkeep(app):
        yield
