"""The events the gateway consumes, and what each one does: catalog.events keeps its read model of the agency
registry, which decides what a client may be bound to (A4.1, A15.2)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gateway.agencies.service import record_changed, record_registered
from hub.consumer import EventHandlers
from hub.contracts.catalog import AgencyChanged, AgencyRegistered

handlers = EventHandlers()


@handlers.on(AgencyRegistered)
async def on_agency_registered(session: AsyncSession, event: AgencyRegistered) -> None:
    await record_registered(session, event)


@handlers.on(AgencyChanged)
async def on_agency_changed(session: AsyncSession, event: AgencyChanged) -> None:
    await record_changed(session, event)
