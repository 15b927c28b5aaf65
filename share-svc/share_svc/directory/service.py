"""Keeping the agency read model current."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.catalog import AgencyRegistered
from hub.errors import NotFound
from share_svc.directory.models import KnownAgency


def add_registered_agency(session: AsyncSession, event: AgencyRegistered) -> None:
    """Record an agency catalog-svc registered. A plain insert: the inbox guarantees it runs once per event."""
    session.add(
        KnownAgency(
            id=event.agency_id,
            credit_code=event.credit_code,
            name=event.name,
            kind=event.kind,
            region_code=event.region_code,
            registered_at=datetime.now(UTC),
        )
    )


async def get_known_agency(session: AsyncSession, agency_id: uuid.UUID) -> KnownAgency:
    """One agency of the read model, or NotFound."""
    agency = await session.get(KnownAgency, agency_id)
    if agency is None:
        raise NotFound(f"share-svc does not know agency {agency_id} (yet).")
    return agency
