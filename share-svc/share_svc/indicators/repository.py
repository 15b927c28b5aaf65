"""Every query of the sharing indicators (A32.1): counts, times and percentiles computed by PostgreSQL over the
applications, their steps and reviews, and the disputes. The one package that reads all of them: it only reads."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, cast, extract, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from share_svc.applications.models import Application, ApplicationStep, Review
from share_svc.disputes.models import Dispute

SECONDS_PER_HOUR = 3600
PROVIDER, BUREAU = "provider", "bureau"  # the two parties reviewing an application (Review.party, A20.2)
# Whose figures a row is: the provider agency's, or the bureau's of the application's (the entry's) region.
_APPLICATION_KEY: dict[str, InstrumentedAttribute[Any]] = {
    PROVIDER: Application.provider_agency_id,
    BUREAU: Application.region_code,
}
_REVIEW_KEY: dict[str, InstrumentedAttribute[Any]] = {PROVIDER: Review.agency_id, BUREAU: Review.region_code}


@dataclass(frozen=True)
class Scope:
    """Which applications (and their reviews and disputes) count: of these regions (None: any), of which this
    agency is provider or consumer (None: any), made in [since, until)."""

    regions: Collection[str] | None
    agency_id: uuid.UUID | None
    since: datetime | None
    until: datetime

    def applications(self) -> list[ColumnElement[bool]]:
        """The scope without the window: for what stands today (overdue reviews)."""
        found: list[ColumnElement[bool]] = []
        if self.regions is not None:
            found.append(Application.region_code.in_(list(self.regions)))
        if self.agency_id is not None:
            found.append(
                or_(Application.provider_agency_id == self.agency_id, Application.consumer_agency_id == self.agency_id)
            )
        return found

    def applied_within(self) -> list[ColumnElement[bool]]:
        """The scope and the window: applications made in [since, until)."""
        found = [*self.applications(), Application.applied_at < self.until]
        if self.since is not None:
            found.append(Application.applied_at >= self.since)
        return found


async def region_codes(session: AsyncSession) -> list[str]:
    """Every region some application belongs to (disputes and reviews belong to their application's)."""
    return list((await session.execute(select(Application.region_code).distinct())).scalars())


async def outcomes(
    session: AsyncSession, scope: Scope, party: str, by_outcome: Mapping[str, Sequence[str]]
) -> list[tuple[Any, ...]]:
    """Per provider agency or per bureau (`party`): (key, then one count per outcome, in `by_outcome` order) of the
    applications made in the window, by the states each outcome holds."""
    key = _APPLICATION_KEY[party]
    counts = [func.count().filter(Application.state.in_(list(held))).label(name) for name, held in by_outcome.items()]
    query = select(key.label("key"), *counts).where(*scope.applied_within()).group_by(key)
    return [tuple(row) for row in await session.execute(query)]


async def decision_times(
    session: AsyncSession, scope: Scope, party: str, actions: Collection[str]
) -> list[tuple[Any, int, float | None, float | None, float | None]]:
    """Per provider agency or per bureau (`party`): (key, decisions, mean, median, 90th percentile) of the hours
    from each application made in the window to its step taking one of `actions` (the party's decision: each
    party decides an application at most once)."""
    key = _APPLICATION_KEY[party]
    hours = cast(extract("epoch", ApplicationStep.at - Application.applied_at), Float) / SECONDS_PER_HOUR
    query = (
        select(
            key.label("key"),
            func.count(),
            func.avg(hours),
            func.percentile_cont(0.5).within_group(hours),
            func.percentile_cont(0.9).within_group(hours),
        )
        .select_from(Application)
        .join(ApplicationStep, ApplicationStep.application_id == Application.id)
        .where(ApplicationStep.action.in_(list(actions)), *scope.applied_within())
        .group_by(key)
    )
    return [(who, count, mean, median, p90) for who, count, mean, median, p90 in await session.execute(query)]


async def overdue_reviews(session: AsyncSession, scope: Scope, party: str, today: date) -> list[tuple[Any, int]]:
    """Per provider agency or per bureau (`party`): its pending reviews whose due date has passed today
    (hub.deadlines.is_overdue), of the applications in scope whenever they were made."""
    key = _REVIEW_KEY[party]
    query = (
        select(key.label("key"), func.count())
        .select_from(Review)
        .join(Application, Application.id == Review.application_id)
        .where(Review.party == party, Review.closed_on.is_(None), Review.due_on < today, *scope.applications())
        .group_by(key)
    )
    return [(who, count) for who, count in await session.execute(query)]


async def undecided_disputes(
    session: AsyncSession, scope: Scope, states: Collection[str]
) -> list[tuple[str, str, int]]:
    """(region, state, count) of the disputes in `states` today, of the scope's regions and agency."""
    query = select(Dispute.region_code, Dispute.state, func.count()).where(Dispute.state.in_(list(states)))
    if scope.regions is not None:
        query = query.where(Dispute.region_code.in_(list(scope.regions)))
    if scope.agency_id is not None:
        query = query.where(
            or_(Dispute.provider_agency_id == scope.agency_id, Dispute.consumer_agency_id == scope.agency_id)
        )
    grouped = query.group_by(Dispute.region_code, Dispute.state)
    return [(region, state, count) for region, state, count in await session.execute(grouped)]
