"""Every query the live figures are made of (A32.1): per agency and region, what the facts held for a window.
It only reads; PostgreSQL groups, so a query returns a row per agency and region (or per pair of days), never a
row per fact."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Date, Select, and_, cast, func, or_, select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.sql import Executable

from supervision_svc.audit.models import ExchangeVolume, SecurityEventCount
from supervision_svc.catalogue.models import KnownAgency, OverdueChangeNotice, PublishedEntry
from supervision_svc.channels.models import ChannelStatement
from supervision_svc.indicators.cells import Cell, Pair, RosterAgency
from supervision_svc.indicators.periods import Window
from supervision_svc.opening.models import Demand, ErrorReport, OpenApplication, OverdueOpenReply, QualityScore
from supervision_svc.sharing.models import OverdueReview, ShareApplication
from supervision_svc.sources import LEGACY_REMAINING, SHARE_PROVIDER_PARTY

# Answers by the days they took: (agency, region, local day asked, local day answered, how many).
AnswerDays = tuple[uuid.UUID, str, date, date, int]
_ONE_DAY = timedelta(days=1)


async def roster(session: AsyncSession) -> list[RosterAgency]:
    """The agencies of the registry, with their names and regions as they stand."""
    rows = await session.execute(select(KnownAgency.id, KnownAgency.name, KnownAgency.region_code))
    return [RosterAgency(agency_id, name, region) for agency_id, name, region in rows]


async def _cells(session: AsyncSession, indicator: str, query: Executable) -> list[Cell]:
    """Cells from a query of (agency, region, total, count) rows."""
    return [Cell(indicator, agency, region, float(total or 0), int(count))
            for agency, region, total, count in await session.execute(query)]  # fmt: skip


def _counted(agency: Any, region: Any, *where: Any) -> Select[Any]:
    """(agency, region, facts, facts) of the facts meeting `where`."""
    return select(agency, region, func.count(), func.count()).where(*where).group_by(agency, region)


def _within(column: Any, window: Window) -> Any:
    return and_(column >= window.start, column < window.as_of)


def _overdue_within(due_on: Any, window: Window) -> Any:
    """A deadline becomes overdue the day after its due date (hub.deadlines.is_overdue): that day is one of the
    window's."""
    return and_(due_on >= window.first_day - _ONE_DAY, due_on < window.end_day - _ONE_DAY)


async def published_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Entries published as of the window's end, per provider agency and the entry's region: first published
    before it and not retired by then (A14.1)."""
    e = PublishedEntry
    held = and_(e.first_published_at < window.as_of, or_(e.retired_at.is_(None), e.retired_at >= window.as_of))
    return await _cells(session, "catalogue_entries_published", _counted(e.provider_agency_id, e.region_code, held))


async def overdue_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Change notices (A14.2), reviews (A20.2) and open replies (A24.2) that became overdue in the window's days. A
    provider's review counts against its agency; the bureau's against its region alone."""
    n, r, o = OverdueChangeNotice, OverdueReview, OverdueOpenReply
    reviews = await session.execute(
        select(r.party, r.agency_id, r.region_code, func.count())
        .where(_overdue_within(r.due_on, window))
        .group_by(r.party, r.agency_id, r.region_code)
    )
    return [
        *await _cells(session, "catalogue_updates_overdue",
                      _counted(n.agency_id, n.region_code, _overdue_within(n.due_on, window))),
        *(Cell("share_reviews_overdue", agency if party == SHARE_PROVIDER_PARTY else None, region, count, count)
          for party, agency, region, count in reviews),
        *await _cells(session, "open_replies_overdue",
                      _counted(o.provider_agency_id, o.region_code, _overdue_within(o.due_on, window))),
    ]  # fmt: skip


def _local_day(moment: Any, tz: ZoneInfo) -> Any:
    return cast(func.timezone(tz.key, moment), Date)


async def share_answer_days(session: AsyncSession, window: Window, tz: ZoneInfo) -> list[AnswerDays]:
    """Provider agencies' decisions made in the window on applications whose making is known, by the local days
    asked and answered (A20.2)."""
    a = ShareApplication
    asked, answered = _local_day(a.applied_at, tz), _local_day(a.provider_decided_at, tz)
    query = (
        select(a.provider_agency_id, a.region_code, asked, answered, func.count())
        .where(a.applied_at.is_not(None), _within(a.provider_decided_at, window))
        .group_by(a.provider_agency_id, a.region_code, asked, answered)
    )
    return [(agency, region, start, end, count) for agency, region, start, end, count in await session.execute(query)]


async def open_answer_days(session: AsyncSession, window: Window, tz: ZoneInfo) -> list[AnswerDays]:
    """Collecting agencies' answers given in the window to open applications whose making is known (A24.2)."""
    a = OpenApplication
    asked, answered = _local_day(a.applied_at, tz), _local_day(a.answered_at, tz)
    query = (
        select(a.provider_agency_id, a.region_code, asked, answered, func.count())
        .where(a.applied_at.is_not(None), _within(a.answered_at, window))
        .group_by(a.provider_agency_id, a.region_code, asked, answered)
    )
    return [(agency, region, start, end, count) for agency, region, start, end, count in await session.execute(query)]


async def feedback_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Error reports and objections made in the window (A26.1), and those answered in it; demands made in the window
    and those answered in it (A27.1), per the agency and region they name (none for a demand naming no agency: the
    city's)."""
    f, d = ErrorReport, Demand
    return [
        *await _cells(session, "error_reports", _counted(f.agency_id, f.region_code, _within(f.reported_at, window))),
        *await _cells(session, "error_reports_answered",
                      _counted(f.agency_id, f.region_code, _within(f.answered_at, window))),
        *await _cells(session, "demands", _counted(d.agency_id, d.region_code, _within(d.requested_at, window))),
        *await _cells(session, "demands_answered",
                      _counted(d.agency_id, d.region_code, _within(d.answered_at, window))),
    ]  # fmt: skip


async def quality_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Each scored dataset's score as the window ended (its latest before then), summed per agency and region, so
    a mean over datasets folds from them (A25.1)."""
    q = QualityScore
    latest = (
        select(q.provider_agency_id, q.region_code, q.score)
        .where(q.scored_at < window.as_of)
        .ext(distinct_on(q.entry_id))
        .order_by(q.entry_id, q.scored_at.desc())
        .subquery()
    )
    agency, region = latest.c.provider_agency_id, latest.c.region_code
    query = select(agency, region, func.sum(latest.c.score), func.count()).group_by(agency, region)
    return await _cells(session, "quality_score_mean", query)


async def legacy_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Legacy channels still to be integrated as the window ended: each channel's latest statement before then
    (A12.1)."""
    s = ChannelStatement
    latest = (
        select(s.agency_id, s.region_code, s.status)
        .where(s.stated_at < window.as_of)
        .ext(distinct_on(s.channel_id))
        .order_by(s.channel_id, s.stated_at.desc())
        .subquery()
    )
    remaining = latest.c.status.in_(sorted(LEGACY_REMAINING))
    return await _cells(session, "legacy_channels_remaining",
                        _counted(latest.c.agency_id, latest.c.region_code, remaining))  # fmt: skip


def _days(day: Any, window: Window) -> Any:
    return and_(day >= window.first_day, day < window.end_day)


async def security_cells(session: AsyncSession, window: Window) -> list[Cell]:
    """Security events of agencies' callers on the window's days, in each agency's region (A28.1); an agency the
    registry does not hold has no region and is left out."""
    s, k = SecurityEventCount, KnownAgency
    query = (
        select(s.agency_id, k.region_code, func.sum(s.events), func.sum(s.events))
        .join(k, k.id == s.agency_id)
        .where(_days(s.day, window))
        .group_by(s.agency_id, k.region_code)
    )
    return await _cells(session, "security_events", query)


async def pairs(session: AsyncSession, window: Window) -> list[Pair]:
    """Exchanges of data on the window's days by consuming and providing agency (the entry's, in the published
    catalogue), both of the registry; an agency's exchanges of its own entries are no exchange between agencies."""
    v, e = ExchangeVolume, PublishedEntry
    consumer, provider = aliased(KnownAgency), aliased(KnownAgency)
    query = (
        select(v.consumer_agency_id, e.provider_agency_id, func.sum(v.requests), func.sum(v.rows))
        .join(e, e.entry_id == v.entry_id)
        .join(consumer, consumer.id == v.consumer_agency_id)
        .join(provider, provider.id == e.provider_agency_id)
        .where(_days(v.day, window), v.consumer_agency_id != e.provider_agency_id)
        .group_by(v.consumer_agency_id, e.provider_agency_id)
    )
    return [Pair(c, p, int(requests), int(rows)) for c, p, requests, rows in await session.execute(query)]


async def earliest_fact(session: AsyncSession) -> date | None:
    """The earliest moment any fact is dated, as a UTC day: where the periods known begin."""
    moments = [
        select(func.min(PublishedEntry.first_published_at)),
        select(func.min(ShareApplication.applied_at)),
        select(func.min(OpenApplication.applied_at)),
        select(func.min(ErrorReport.reported_at)),
        select(func.min(Demand.requested_at)),
        select(func.min(QualityScore.scored_at)),
        select(func.min(ChannelStatement.stated_at)),
    ]
    days = [select(func.min(ExchangeVolume.day)), select(func.min(SecurityEventCount.day)),
            select(func.min(OverdueChangeNotice.due_on))]  # fmt: skip
    found = [(await session.execute(query)).scalar() for query in (*moments, *days)]
    return min((v.date() if isinstance(v, datetime) else v for v in found if v is not None), default=None)
