"""Every query of error reports and objections, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from open_svc.feedback.lifecycle import UNANSWERED, ReportState
from open_svc.feedback.models import FeedbackReport


@dataclass(frozen=True)
class Audience:
    """Whose reports a listing shows: a reporter's own (an account or an agency's), an agency's to answer, or those
    of a bureau's regions."""

    reporter: str | None = None
    reporter_agency_id: uuid.UUID | None = None
    agency_id: uuid.UUID | None = None
    regions: Sequence[str] | None = None

    def clause(self) -> ColumnElement[bool]:
        model = FeedbackReport
        if self.reporter is not None:
            return model.reporter == self.reporter
        if self.reporter_agency_id is not None:
            return model.reporter_agency_id == self.reporter_agency_id
        if self.agency_id is not None:
            return model.agency_id == self.agency_id
        return model.region_code.in_(list(self.regions or ()))


async def get(session: AsyncSession, report_id: uuid.UUID, *, lock: bool = False) -> FeedbackReport | None:
    """One report; `lock` to answer it."""
    return await session.get(FeedbackReport, report_id, with_for_update=lock)


async def page(
    session: AsyncSession, audience: Audience, *, state: ReportState | None, entry_id: uuid.UUID | None, limit: int,
    offset: int,
) -> tuple[Sequence[FeedbackReport], int]:  # fmt: skip
    """A page of the audience's reports, oldest unanswered first, and the total."""
    query = select(FeedbackReport).where(audience.clause())
    if state is not None:
        query = query.where(FeedbackReport.state == state)
    if entry_id is not None:
        query = query.where(FeedbackReport.entry_id == entry_id)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    answered_last = case((FeedbackReport.state.in_(list(UNANSWERED)), 0), else_=1)
    ordered = query.order_by(answered_last, FeedbackReport.created_at, FeedbackReport.id)
    return (await session.execute(ordered.limit(limit).offset(offset))).scalars().all(), total


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count(case((condition, 1)))


async def counts(
    session: AsyncSession, by: InstrumentedAttribute[uuid.UUID], ids: Collection[uuid.UUID] | None,
    *, open_data_only: bool,
) -> list[tuple[uuid.UUID, int, int, int, int, int]]:  # fmt: skip
    """(entry or agency id, errors, objections, unanswered, corrected, rejected), grouped by `by`."""
    model = FeedbackReport
    query = select(
        by,
        _count(model.kind == "error"),
        _count(model.kind == "objection"),
        _count(model.state.in_(list(UNANSWERED))),
        _count(model.state == ReportState.corrected),
        _count(model.state == ReportState.rejected),
    ).group_by(by)
    if ids is not None:
        query = query.where(by.in_(list(ids)))
    if open_data_only:
        query = query.where(model.on_open_data.is_(True))
    return [(row[0], row[1], row[2], row[3], row[4], row[5]) for row in await session.execute(query)]
