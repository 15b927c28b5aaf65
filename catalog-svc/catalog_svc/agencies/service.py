"""Use cases of the agency registry. They take the session and never commit: the request does."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.agencies import repository
from catalog_svc.agencies.models import Agency
from catalog_svc.agencies.schemas import AgencyChange, AgencyIn
from catalog_svc.deadlines import service as deadlines
from catalog_svc.entries import repository as entries
from catalog_svc.regions import service as regions
from hub.contracts.catalog import AgencyChanged, AgencyRegistered
from hub.errors import Conflict, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.workdays import WorkingCalendar

SOURCE = "/hub/catalog"


async def register_agency(session: AsyncSession, caller: Caller, data: AgencyIn) -> Agency:
    """Register an agency (A2.1) in the caller's region (A4.1) and announce it on catalog.events."""
    await regions.require_region_scope(session, caller, data.region_code)
    if await repository.by_credit_code(session, data.credit_code):
        raise Conflict(f"An agency with credit code {data.credit_code} is already registered.")
    agency = Agency(id=uuid.uuid4(), **data.model_dump())
    session.add(agency)
    await session.flush()
    await record_event(
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


async def agency_row(connection: asyncpg.Connection, agency_id: uuid.UUID) -> Mapping[str, Any]:
    """One agency's columns, or NotFound: what answers a read, on a connection outside any transaction."""
    row = await repository.one(connection, agency_id)
    if row is None:
        raise NotFound(f"No agency {agency_id}.")
    return row


async def agencies(session: AsyncSession, limit: int, offset: int) -> Sequence[Agency]:
    """A page of the registry, oldest registration first."""
    return await repository.page(session, limit, offset)


async def change_agency(
    session: AsyncSession, caller: Caller, agency_id: uuid.UUID, change: AgencyChange, today: date,
    calendar: WorkingCalendar,
) -> Agency:  # fmt: skip
    """Change an agency's particulars; a change of its duties opens a change notice on each of its published
    entries: it has 15 working days to update its catalogue (A14.2)."""
    agency = await get_agency(session, agency_id)
    regions.require_scope(caller, agency.region_code)
    duties_changed = change.duties is not None and change.duties != agency.duties
    for field, value in change.model_dump(exclude_none=True).items():
        setattr(agency, field, value)
    await session.flush()
    await record_event(
        session,
        AgencyChanged(
            agency_id=agency.id, name=agency.name, region_code=agency.region_code, duties_changed=duties_changed
        ),
        source=SOURCE,
    )
    if duties_changed:
        for entry in await entries.published_of_agency(session, agency.id):
            await deadlines.open_notice(session, entry, "The agency's duties changed.", caller.subject, today, calendar)
    return agency
