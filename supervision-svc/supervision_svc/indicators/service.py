"""The indicator system's use cases (A32.1): a period's indicators per agency and per region beside the previous
period's, its exchanges by agency pair, and the periods known, each in the caller's scope (A4.1, A15.2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import InvalidInput
from hub.internal_token import Caller
from hub.workdays import WorkingCalendar
from supervision_svc.indicators import export, repository
from supervision_svc.indicators import figures as kept
from supervision_svc.indicators.cells import Figures
from supervision_svc.indicators.definitions import INDICATORS
from supervision_svc.indicators.periods import Period, periods_from
from supervision_svc.indicators.schemas import (
    AgencyIndicators,
    ExchangePair,
    Exchanges,
    Figure,
    Indicators,
    KnownPeriod,
    Periods,
    RegionIndicators,
)
from supervision_svc.indicators.scope import Scope, scope_of


@dataclass(frozen=True)
class Asked:
    """What a caller asked for: a period (None: the current one), a region, an agency."""

    period: str | None = None
    region_code: str | None = None
    agency_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Clock:
    """The moment, the hub's calendar and time zone the figures are made with."""

    now: datetime
    calendar: WorkingCalendar
    tz: ZoneInfo

    @property
    def current(self) -> Period:
        return Period.of(self.now.astimezone(self.tz).date())


def _period(asked: str | None, clock: Clock) -> Period:
    """The period asked for, a quarter up to the current one (422 naming the field otherwise)."""
    if asked is None:
        return clock.current
    try:
        period = Period.parse(asked)
    except ValueError as exc:
        raise _bad_period(str(exc)) from exc
    if period > clock.current:
        raise _bad_period(f"{period} has not begun: the current period is {clock.current}")
    return period


def _bad_period(message: str) -> InvalidInput:
    return InvalidInput("Invalid value for: query.period", errors=[{"field": "query.period", "message": message}])


async def _scoped(session: AsyncSession, caller: Caller, asked: Asked, clock: Clock) -> tuple[Period, Figures, Scope]:
    """The period asked for, its figures, and the caller's scope among its agencies and regions."""
    period = _period(asked.period, clock)
    now = await kept.figures_of(session, period, clock.now, clock.calendar, clock.tz)
    agencies = {a.agency_id: a.region_code for a in now.roster}
    return period, now, scope_of(caller, asked.region_code, asked.agency_id, agencies, now.regions())


async def _previous(session: AsyncSession, period: Period, clock: Clock) -> Figures:
    return await kept.figures_of(session, period.previous(), clock.now, clock.calendar, clock.tz)


def _agency_figures(now: Figures, before: Figures, agency_id: uuid.UUID) -> dict[str, Figure]:
    return {i.name: Figure(value=now.agency_value(i.name, agency_id), previous=before.agency_value(i.name, agency_id),
                           unit=i.unit, requirement=i.requirement) for i in INDICATORS}  # fmt: skip


def _region_figures(now: Figures, before: Figures, region_code: str) -> dict[str, Figure]:
    return {i.name: Figure(value=now.region_value(i.name, region_code),
                           previous=before.region_value(i.name, region_code), unit=i.unit,
                           requirement=i.requirement) for i in INDICATORS}  # fmt: skip


async def indicators(session: AsyncSession, caller: Caller, asked: Asked, clock: Clock) -> Indicators:
    """Every indicator of the agencies and regions in the caller's scope, for the period and the one before (A32.1).
    Agencies are those of the period's registry (as kept, for a kept period), ordered by region and name."""
    period, now, scope = await _scoped(session, caller, asked, clock)
    return _indicators(period, now, await _previous(session, period, clock), scope)


async def exchanges(session: AsyncSession, caller: Caller, asked: Asked, clock: Clock) -> Exchanges:
    """The period's exchanges of data by agency pair where either agency is in the caller's scope (A12.1), most
    requests first."""
    period, now, scope = await _scoped(session, caller, asked, clock)
    return _exchanges(period, now, scope)


async def export_table(
    session: AsyncSession, caller: Caller, asked: Asked, clock: Clock
) -> tuple[str, list[list[Any]]]:
    """The period and the rows of its export: the indicators and the exchanges in the caller's scope."""
    period, now, scope = await _scoped(session, caller, asked, clock)
    shown = _indicators(period, now, await _previous(session, period, clock), scope)
    return str(period), export.rows(shown, _exchanges(period, now, scope))


def _indicators(period: Period, now: Figures, before: Figures, scope: Scope) -> Indicators:
    agencies = [
        AgencyIndicators(agency_id=a.agency_id, agency_name=a.name, region_code=a.region_code,
                         indicators=_agency_figures(now, before, a.agency_id))
        for a in sorted(now.roster, key=lambda a: (a.region_code, a.name, str(a.agency_id)))
        if scope.shows_agency(a.region_code, a.agency_id)
    ]  # fmt: skip
    codes = sorted(code for code in {*now.regions(), scope.region_code or ""} if code and scope.shows_region(code))
    regions = [RegionIndicators(region_code=code, region_name=None, indicators=_region_figures(now, before, code))
               for code in codes]  # fmt: skip
    return Indicators(period=str(period), previous_period=str(period.previous()), agencies=agencies, regions=regions)


def _exchanges(period: Period, now: Figures, scope: Scope) -> Exchanges:
    names = {a.agency_id: a for a in now.roster}
    pairs = [
        ExchangePair(consumer_agency_id=p.consumer_agency_id, consumer_agency_name=names[p.consumer_agency_id].name,
                     provider_agency_id=p.provider_agency_id, provider_agency_name=names[p.provider_agency_id].name,
                     requests=p.requests, rows=p.rows)
        for p in now.pairs
        if any(scope.shows_agency(names[a].region_code, a) for a in (p.consumer_agency_id, p.provider_agency_id))
    ]  # fmt: skip
    pairs.sort(key=lambda p: (-p.requests, p.consumer_agency_name, p.provider_agency_name))
    return Exchanges(period=str(period), pairs=pairs)


async def periods(session: AsyncSession, clock: Clock) -> Periods:
    """The periods known: from the earliest fact's (or the earliest kept) to the current one, and which are kept."""
    kept_at = await kept.kept_periods(session)
    earliest = await repository.earliest_fact(session)
    first = min([clock.current, *kept_at, *([Period.of(earliest)] if earliest else [])])
    known = [KnownPeriod(period=str(p), first_day=p.first_day, last_day=p.last_day, closed=p in kept_at,
                         kept_at=kept_at.get(p)) for p in periods_from(first, clock.current)]  # fmt: skip
    return Periods(current_period=str(clock.current), periods=known)
