"""aggregation-svc's sampled gauges for /metrics (hub.metrics_sampling): the open-records changelog's pending work
(aggregation_svc.changelog), i.e. what was ingested into open entries and has not reached the public's replica yet
(A24.1), and how long the oldest of it has waited."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from aggregation_svc.changelog.models import PendingChange
from hub.metrics_sampling import Reading, SampledGauge, Sampler

CHANGELOG_BACKLOG = SampledGauge(
    "hub_open_changelog_backlog",
    "Pending changes of open entries' records not yet published to the open-records topic.",
)
CHANGELOG_OLDEST_AGE = SampledGauge(
    "hub_open_changelog_oldest_age_seconds", "How long the oldest pending change has waited (0 when none waits)."
)


async def sample_changelog(app: FastAPI) -> list[Reading]:
    """The changelog's pending rows and the age of the oldest, on the database's clock (as `noted_at`)."""
    age = func.coalesce(func.extract("epoch", func.clock_timestamp() - func.min(PendingChange.noted_at)), 0)
    async with app.state.sessionmaker() as session:
        backlog, oldest_age = (await session.execute(select(func.count(), age).select_from(PendingChange))).one()
    return [CHANGELOG_BACKLOG.reading(backlog), CHANGELOG_OLDEST_AGE.reading(max(float(oldest_age), 0.0))]


SAMPLERS: tuple[Sampler, ...] = (Sampler("open-changelog", sample_changelog),)
