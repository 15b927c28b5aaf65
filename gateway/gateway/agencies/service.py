"""Keeping the agency read model current, and reading it.

The gateway learns agencies from catalog.events, never from a request body: a client can only be bound to an
agency the catalogue registered, in the region the catalogue registered it in (A4.1, A15.2).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.agencies import repository
from gateway.agencies.models import KnownAgency
from hub.contracts.catalog import AgencyChanged, AgencyRegistered

log = structlog.get_logger(__name__)


async def record_registered(session: AsyncSession, event: AgencyRegistered) -> None:
    """Remember an agency catalog-svc registered."""
    await repository.put_registered(
        session, event.agency_id, event.credit_code, event.name, event.kind, event.region_code, datetime.now(UTC)
    )


async def record_changed(session: AsyncSession, event: AgencyChanged) -> None:
    """Follow a change of an agency's particulars."""
    if not await repository.put_changed(session, event.agency_id, event.name, event.region_code, datetime.now(UTC)):
        # One agency's events share a partition, so its registration came first; missing, it was lost to the
        # topic's retention before this gateway first read it, and nothing here can rebuild it.
        log.warning("change of an agency the gateway never saw registered", agency_id=str(event.agency_id))


async def known_agency(session: AsyncSession, agency_id: uuid.UUID) -> KnownAgency | None:
    """The agency, if the catalogue has announced it."""
    return await repository.get(session, agency_id)
