"""A period's figures (A32.1): made live from the facts, or read back once the period is kept.

Keeping: a periodic job, on every replica (an advisory lock lets one at a time act), keeps each period that closed
at least `supervision_snapshot_delay_seconds` ago and is not kept yet, from the one after the latest kept period on
(after a downtime, every period missed). Only periods that were running when this database began keeping are kept:
older ones closed before the service could read them (a fresh service's consumer is still reading the topics'
history), and are made live, from whatever history the facts hold, whenever asked. A kept period is never made
again, so events arriving later for it leave its figures as reported.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.dependencies import clock_now
from hub.periodic import every
from hub.workdays import WorkingCalendar
from supervision_svc.indicators import repository
from supervision_svc.indicators.cells import Cell, Figures, Pair, RosterAgency, coverage_cells, pair_cells, working_days
from supervision_svc.indicators.models import KeepingSince, KeptAgency, KeptCell, KeptPair, KeptPeriod
from supervision_svc.indicators.periods import Period, Window, periods_from
from supervision_svc.settings import Settings

_KEEPING_LOCK = text("SELECT pg_try_advisory_xact_lock(hashtext('supervision.kept_periods'))")


def _answer_cells(indicator: str, rows: Sequence[repository.AnswerDays], calendar: WorkingCalendar) -> list[Cell]:
    """Each answer's working days, as cells summing them per agency and region (a mean folds from them)."""
    return [Cell(indicator, agency, region, float(working_days(calendar, asked, answered) * count), count)
            for agency, region, asked, answered, count in rows]  # fmt: skip


async def live_figures(session: AsyncSession, window: Window, calendar: WorkingCalendar, tz: ZoneInfo) -> Figures:
    """The period's figures as the facts hold them now, as of the window's end."""
    roster = await repository.roster(session)
    published = await repository.published_cells(session, window)
    exchanges = await repository.pairs(session, window)
    cells = [
        *published,
        *coverage_cells(roster, {cell.agency_id for cell in published if cell.agency_id is not None}),
        *await repository.overdue_cells(session, window),
        *_answer_cells("share_response_days_mean", await repository.share_answer_days(session, window, tz), calendar),
        *_answer_cells("open_response_days_mean", await repository.open_answer_days(session, window, tz), calendar),
        *await repository.feedback_cells(session, window),
        *await repository.quality_cells(session, window),
        *await repository.legacy_cells(session, window),
        *await repository.security_cells(session, window),
        *pair_cells(exchanges, roster),
    ]  # fmt: skip
    return Figures(roster, cells, exchanges)


async def kept_periods(session: AsyncSession) -> dict[Period, datetime]:
    """The kept periods, and when each was kept."""
    rows = await session.execute(select(KeptPeriod.period, KeptPeriod.kept_at))
    return {Period.parse(period): kept_at for period, kept_at in rows}


async def kept_figures(session: AsyncSession, period: Period) -> Figures | None:
    """A kept period's figures as they were kept; None if it is not kept."""
    key = str(period)
    if await session.get(KeptPeriod, key) is None:
        return None
    agencies = await session.execute(select(KeptAgency).where(KeptAgency.period == key))
    cells = await session.execute(select(KeptCell).where(KeptCell.period == key))
    pairs = await session.execute(select(KeptPair).where(KeptPair.period == key))
    return Figures(
        [RosterAgency(a.agency_id, a.name, a.region_code) for a in agencies.scalars()],
        [Cell(c.indicator, c.agency_id, c.region_code, c.total, c.count) for c in cells.scalars()],
        [Pair(p.consumer_agency_id, p.provider_agency_id, p.requests, p.rows) for p in pairs.scalars()],
    )


async def figures_of(
    session: AsyncSession, period: Period, now: datetime, calendar: WorkingCalendar, tz: ZoneInfo
) -> Figures:
    """The period's figures: kept ones if kept, else made live as of `now` (or its end, once over)."""
    kept = await kept_figures(session, period)
    return kept if kept is not None else await live_figures(session, Window.of(period, now, tz), calendar, tz)


async def keep(session: AsyncSession, period: Period, figures: Figures, as_of: datetime, now: datetime) -> None:
    """Store a closed period's figures for good (`keep_closed_periods` calls it once per period)."""
    key = str(period)
    session.add(KeptPeriod(period=key, as_of=as_of, kept_at=now))
    rows: list[tuple[type[KeptAgency | KeptCell | KeptPair], list[dict[str, object]]]] = [
        (KeptAgency, [{"period": key, "agency_id": a.agency_id, "name": a.name, "region_code": a.region_code}
                      for a in figures.roster]),
        (KeptCell, [{"period": key, "indicator": c.indicator, "agency_id": c.agency_id, "region_code": c.region_code,
                     "total": c.total, "count": c.count} for c in figures.cells]),
        (KeptPair, [{"period": key, "consumer_agency_id": p.consumer_agency_id,
                     "provider_agency_id": p.provider_agency_id, "requests": p.requests, "rows": p.rows}
                    for p in figures.pairs]),
    ]  # fmt: skip
    for table, values in rows:
        if values:
            await session.execute(insert(table), values)


def periods_to_keep(kept: Sequence[Period], first_kept: Period, last_closed: Period) -> list[Period]:
    """The closed periods to keep now: from `first_kept` (the period running when keeping began), or the one after
    the latest kept if later, up to the last closed."""
    first = max(first_kept, max(kept).next()) if kept else first_kept
    return periods_from(first, last_closed)


async def keeping_since(session: AsyncSession, now: datetime) -> datetime:
    """When this database began keeping periods: now, on the first call."""
    await session.execute(pg_insert(KeepingSince).values(id=1, since=now).on_conflict_do_nothing(index_elements=["id"]))
    return (await session.execute(select(KeepingSince.since))).scalar_one()


async def keep_closed_periods(app: FastAPI, session: AsyncSession) -> None:
    """The periodic work: keep the closed periods not kept yet (one replica at a time)."""
    if not (await session.execute(_KEEPING_LOCK)).scalar():
        return
    settings: Settings = app.state.settings
    tz = ZoneInfo(settings.timezone)
    now = clock_now(app)
    closed_by = (now - timedelta(seconds=settings.supervision_snapshot_delay_seconds)).astimezone(tz).date()
    first = Period.of((await keeping_since(session, now)).astimezone(tz).date())
    for period in periods_to_keep(list(await kept_periods(session)), first, Period.of(closed_by).previous()):
        window = Window.of(period, now, tz)
        await keep(session, period, await live_figures(session, window, app.state.calendar, tz), window.as_of, now)


def period_keeping(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """The lifespan part keeping closed periods (ServiceSpec.extra_lifespans), as often as the settings say."""
    settings: Settings = app.state.settings
    return every("kept-periods", settings.supervision_snapshot_seconds, keep_closed_periods)(app)
