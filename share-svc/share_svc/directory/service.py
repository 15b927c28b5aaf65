"""The agency read model: kept current from catalog.events (registrations and changes), and read."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import NotFound
from hub.published_catalogue import AgencyDirectory
from share_svc.directory.models import KnownAgency

directory = AgencyDirectory(KnownAgency)


async def get_known_agency(session: AsyncSession, agency_id: uuid.UUID) -> KnownAgency:
    """One agency of the read model, with its current name, or NotFound."""
    agency = await directory.agency(session, agency_id)
    if agency is None:
        raise NotFound(f"share-svc does not know agency {agency_id} (yet).")
    return agency
