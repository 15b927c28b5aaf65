"""The events share-svc consumes, and what each one does."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.catalog import AgencyRegistered
from share_svc.directory.service import add_registered_agency

handlers = EventHandlers()


@handlers.on(AgencyRegistered)
async def on_agency_registered(session: AsyncSession, event: AgencyRegistered) -> None:
    add_registered_agency(session, event)
