"""Sampled gauges of the Measures' duties (hub.metrics_sampling), which services declare in their `metrics.py`:
applications by state (share-svc's A20, open-svc's A24.2) and running and overdue working-day deadlines (change
notices A14.2, share reviews A20.2, open applications A24.2)."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from hub.deadlines import WorkingDayDeadline, overdue_query
from hub.dependencies import clock_today
from hub.metrics_sampling import Reading, SampledGauge, Sampler

APPLICATIONS = SampledGauge(
    "hub_applications", "Applications by state (share applications, open applications).", ("state",)
)
DEADLINES_RUNNING = SampledGauge(
    "hub_deadlines_running", "Working-day deadlines running (not yet met), by kind.", ("deadline",)
)
DEADLINES_OVERDUE = SampledGauge(
    "hub_deadlines_overdue",
    "Working-day deadlines past their due date and not met (A14.2, A20.2, A24.2), by kind.",
    ("deadline",),
)


def rows_by_state(
    name: str, gauge: SampledGauge, state: InstrumentedAttribute[Any], states: Iterable[StrEnum]
) -> Sampler:
    """A sampler counting a table's rows by their `state` column: every state of `states` from 0, and any other
    state the table holds."""

    async def sample(app: FastAPI) -> list[Reading]:
        async with app.state.sessionmaker() as session:
            found = (await session.execute(select(state, func.count()).group_by(state))).all()
        counts = {str(s): 0 for s in states} | {str(s): int(n) for s, n in found}
        return [gauge.reading(count, s) for s, count in sorted(counts.items())]

    return Sampler(name, sample)


def deadlines(kind: str, model: type[WorkingDayDeadline]) -> Sampler:
    """A sampler of one deadline table: how many are running and how many of those are overdue today (on the hub's
    time zone, as `hub.deadlines.overdue_query` counts them)."""

    async def sample(app: FastAPI) -> list[Reading]:
        overdue = overdue_query(model, clock_today(app)).order_by(None).subquery()
        async with app.state.sessionmaker() as session:
            running_query = select(func.count()).select_from(model).where(model.closed_on.is_(None))
            running = (await session.execute(running_query)).scalar_one()
            late = (await session.execute(select(func.count()).select_from(overdue))).scalar_one()
        return [DEADLINES_RUNNING.reading(running, kind), DEADLINES_OVERDUE.reading(late, kind)]

    return Sampler(f"deadlines-{kind}", sample)
