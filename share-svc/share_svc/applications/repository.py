"""Every query of applications, their steps and their reviews, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from hub.regions import region_contains
from share_svc.applications.lifecycle import ApplicationState
from share_svc.applications.models import Application, ApplicationStep, Review
from share_svc.applications.rules import ListingScope
from share_svc.applications.schemas import ApplicationFilters


def in_scope(
    scope: ListingScope,
    regions: Collection[str],
    consumer: InstrumentedAttribute[uuid.UUID],
    provider: InstrumentedAttribute[uuid.UUID],
    region: InstrumentedAttribute[str],
) -> ColumnElement[bool]:
    """The SQL condition of a listing scope on a table of consumer, provider and region columns (applications,
    grants); `regions` are the codes lying within the scope's region (A4.1)."""
    if scope.region_code is not None:
        return region.in_(list(regions)) if regions else false()
    pairs = ((consumer, scope.consumer_agency_id), (provider, scope.provider_agency_id))
    sides = [column == agency for column, agency in pairs if agency is not None]
    return or_(*sides) if sides else false()


async def regions_within(session: AsyncSession, region_code: str) -> list[str]:
    """The regions applications are in that lie within `region_code` (itself included), by the mesh's one region
    rule over the few dozen regions of a city: for SQL filters."""
    held = (await session.execute(select(Application.region_code).distinct())).scalars()
    return [code for code in held if region_contains(region_code, code)]


async def get(session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False) -> Application | None:
    """One application; `lock` to take a step (FOR UPDATE: one step at a time)."""
    return await session.get(Application, application_id, with_for_update=lock)


async def page(
    session: AsyncSession, scope: ListingScope, regions: Collection[str], filters: ApplicationFilters, limit: int,
    offset: int,
) -> Sequence[Application]:  # fmt: skip
    """Applications in the scope, newest first."""
    query = select(Application).where(
        in_scope(scope, regions, Application.consumer_agency_id, Application.provider_agency_id,
                 Application.region_code)
    )  # fmt: skip
    if filters.state is not None:
        query = query.where(Application.state == filters.state)
    if filters.entry_id is not None:
        query = query.where(Application.entry_id == filters.entry_id)
    query = query.order_by(Application.applied_at.desc(), Application.id.desc()).limit(limit).offset(offset)
    return (await session.execute(query)).scalars().all()


async def of_entry(
    session: AsyncSession, entry_id: uuid.UUID, states: Collection[ApplicationState]
) -> Sequence[Application]:
    """The entry's applications in one of `states`, locked (FOR UPDATE) to be moved, in a stable order."""
    query = (
        select(Application)
        .where(Application.entry_id == entry_id, Application.state.in_([str(s) for s in states]))
        .order_by(Application.id)
        .with_for_update()
    )
    return (await session.execute(query)).scalars().all()


async def steps(session: AsyncSession, application_id: uuid.UUID) -> Sequence[ApplicationStep]:
    """The application's steps, in the order taken."""
    query = select(ApplicationStep).where(ApplicationStep.application_id == application_id).order_by(ApplicationStep.id)
    return (await session.execute(query)).scalars().all()


async def reviews(session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False) -> Sequence[Review]:
    """The application's reviews (provider first); `lock` to decide or close them."""
    query = select(Review).where(Review.application_id == application_id).order_by(Review.party.desc())
    if lock:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().all()
