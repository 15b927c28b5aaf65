"""Every query of conditional open applications and their steps, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.applications.lifecycle import ApplicationState
from open_svc.applications.models import OpenApplication, OpenApplicationStep
from open_svc.applications.rules import Deadline


@dataclass(frozen=True)
class Audience:
    """Whose applications a listing may show: an applicant's own, an agency's, or those of a bureau's regions."""

    applicant: str | None = None
    agency_id: uuid.UUID | None = None
    regions: Sequence[str] | None = None

    def clause(self) -> ColumnElement[bool]:
        model = OpenApplication
        if self.applicant is not None:
            return model.applicant == self.applicant
        if self.agency_id is not None:
            return model.provider_agency_id == self.agency_id
        return model.region_code.in_(list(self.regions or ()))


@dataclass(frozen=True)
class Window:
    """Today and the last day of the approaching window (`APPROACHING_WORKING_DAYS` working days ahead)."""

    today: date
    horizon: date

    def running(self) -> ColumnElement[bool]:
        return OpenApplication.closed_on.is_(None)

    def overdue(self) -> ColumnElement[bool]:
        return and_(self.running(), OpenApplication.due_on < self.today)

    def approaching(self) -> ColumnElement[bool]:
        due = OpenApplication.due_on
        return and_(self.running(), due >= self.today, due <= self.horizon)


async def get(session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False) -> OpenApplication | None:
    """One application; `lock` to change it (FOR UPDATE)."""
    return await session.get(OpenApplication, application_id, with_for_update=lock)


async def steps(session: AsyncSession, application_id: uuid.UUID) -> Sequence[OpenApplicationStep]:
    """The application's steps in the order they were taken."""
    query = (
        select(OpenApplicationStep)
        .where(OpenApplicationStep.application_id == application_id)
        .order_by(OpenApplicationStep.id)
    )
    return (await session.execute(query)).scalars().all()


def _filtered(
    audience: Audience, window: Window, state: ApplicationState | None, deadline: Deadline | None,
    entry_id: uuid.UUID | None,
) -> Select[OpenApplication]:  # fmt: skip
    query = select(OpenApplication).where(audience.clause())
    if state is not None:
        query = query.where(OpenApplication.state == state)
    if deadline is not None:
        query = query.where(window.overdue() if deadline == "overdue" else window.approaching())
    if entry_id is not None:
        query = query.where(OpenApplication.entry_id == entry_id)
    return query


async def page(
    session: AsyncSession, audience: Audience, window: Window, *, state: ApplicationState | None,
    deadline: Deadline | None, entry_id: uuid.UUID | None, limit: int, offset: int,
) -> tuple[Sequence[OpenApplication], int]:  # fmt: skip
    """A page of the audience's applications, earliest due first (the most pressing answer on top), and the total."""
    query = _filtered(audience, window, state, deadline, entry_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    ordered = query.order_by(OpenApplication.due_on, OpenApplication.applied_at, OpenApplication.id)
    found = (await session.execute(ordered.limit(limit).offset(offset))).scalars().all()
    return found, total


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


async def counts_per_agency(session: AsyncSession, audience: Audience, window: Window) -> list[tuple[object, ...]]:
    """(agency, pending, approaching, overdue, approved, refused, decided late, withdrawn) over the audience."""
    model = OpenApplication
    query = (
        select(
            model.provider_agency_id,
            _count(model.state == ApplicationState.pending),
            _count(window.approaching()),
            _count(window.overdue()),
            _count(model.approved_items.is_not(None)),
            _count(model.state == ApplicationState.refused),
            _count(model.decided_late.is_(true())),
            _count(model.state == ApplicationState.withdrawn),
        )
        .where(audience.clause())
        .group_by(model.provider_agency_id)
    )
    return [tuple(row) for row in await session.execute(query)]
