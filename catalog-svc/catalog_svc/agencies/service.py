"""Use cases of the agency registry. They take the session and never commit: the request does."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies import repository
from catalog_svc.agencies.models import Agency
from catalog_svc.agencies.schemas import AgencyIn
from hub.contracts.catalog import AgencyRegistered
from hub.errors import Conflict, Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import region_contains

SOURCE = "/hub/catalog"


async def register_agency(session: AsyncSession, caller: Caller, data: AgencyIn) -> Agency:
    """Register an agency (A2.1) in the caller's region (A4.1) and announce it on catalog.events."""
    if not caller.region_code or not region_contains(caller.region_code, data.region_code):
        raise Forbidden(
            f"An administrator of {caller.region_code} cannot register agencies of {data.region_code}.",
            requirement="A4.1",
        )
    if await repository.by_credit_code(session, data.credit_code):
        raise Conflict(f"An agency with credit code {data.credit_code} is already registered.")
    agency = Agency(id=uuid.uuid4(), **data.model_dump())
    session.add(agency)
    await session.flush()
    record_event(
        session,
        AgencyRegistered(
            agency_id=agency.id,
            credit_code=agency.credit_code,
            name=agency.name,
            kind=agency.kind,
            region_code=agency.region_code,
        ),
        source=SOURCE,
    )
    return agency


async def get_agency(session: AsyncSession, agency_id: uuid.UUID) -> Agency:
    """One agency, or NotFound."""
    agency = await repository.get(session, agency_id)
    if agency is None:
        raise NotFound(f"No agency {agency_id}.")
    return agency
