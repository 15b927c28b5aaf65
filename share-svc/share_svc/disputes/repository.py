"""Every query of disputes (A20.3), and the one of applications a dispute moves: the disputed application, locked."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from share_svc.applications.models import Application
from share_svc.disputes.models import Dispute, DisputeStep


async def application_for_update(session: AsyncSession, application_id: uuid.UUID) -> Application | None:
    """The application, locked (FOR UPDATE): a dispute step moves it (`take_step` wants the lock held)."""
    query = select(Application).where(Application.id == application_id).with_for_update()
    return (await session.execute(query.execution_options(populate_existing=True))).scalar_one_or_none()


async def dispute(session: AsyncSession, dispute_id: uuid.UUID, *, lock: bool = False) -> Dispute | None:
    """One dispute; `lock` to change it (FOR UPDATE, after its application's lock: always in that order)."""
    query = select(Dispute).where(Dispute.id == dispute_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def dispute_of_application(
    session: AsyncSession, application_id: uuid.UUID, *, lock: bool = False
) -> Dispute | None:
    """The application's dispute, if it was disputed; `lock` to change it."""
    query = select(Dispute).where(Dispute.application_id == application_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalar_one_or_none()


async def steps(session: AsyncSession, dispute_id: uuid.UUID) -> Sequence[DisputeStep]:
    """The dispute's steps, in the order they were taken."""
    query = select(DisputeStep).where(DisputeStep.dispute_id == dispute_id).order_by(DisputeStep.id)
    return (await session.execute(query)).scalars().all()


async def region_codes(session: AsyncSession) -> list[str]:
    """Every region some dispute belongs to: the scope filters pick, by the mesh's region rule, those they hold."""
    return list((await session.execute(select(Dispute.region_code).distinct())).scalars())


@dataclass(frozen=True)
class DisputeFilter:
    """Which disputes a listing shows: those of the regions (None: any), of which the agency is a party as
    consumer (or, for `as_provider`, as provider), in the states."""

    regions: Collection[str] | None = None
    consumer_agency_id: uuid.UUID | None = None
    provider_agency_id: uuid.UUID | None = None
    states: Collection[str] = ()
    application_id: uuid.UUID | None = None

    def clauses(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.regions is not None:
            found.append(Dispute.region_code.in_(list(self.regions)))
        parties = [
            column == agency
            for column, agency in ((Dispute.consumer_agency_id, self.consumer_agency_id),
                                   (Dispute.provider_agency_id, self.provider_agency_id))
            if agency is not None
        ]  # fmt: skip
        if parties:
            found.append(or_(*parties))
        if self.states:
            found.append(Dispute.state.in_(list(self.states)))
        if self.application_id is not None:
            found.append(Dispute.application_id == self.application_id)
        return found


async def page(session: AsyncSession, where: DisputeFilter, limit: int, offset: int) -> Sequence[Dispute]:
    """A page of the disputes the filter selects, latest raised first."""
    query = (
        select(Dispute)
        .where(*where.clauses())
        .order_by(Dispute.raised_at.desc(), Dispute.id)
        .limit(limit)
        .offset(offset)
    )
    return (await session.execute(query)).scalars().all()
