"""Jobs (hub.jobs) as sampled gauges (hub.metrics_sampling): how many of each kind are in each state, and the
progress of the running ones (units done and, once known, in all), for the services that run jobs."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import func, select

from hub.jobs import JobRunner, JobState
from hub.metrics_sampling import Reading, SampledGauge, Sampler

JOBS = SampledGauge("hub_jobs", "Jobs by kind and state.", ("kind", "state"))
JOB_UNITS_DONE = SampledGauge(
    "hub_job_units_done", "Units of work (rows, entries…) the running jobs of a kind have done.", ("kind",)
)
JOB_UNITS_EXPECTED = SampledGauge(
    "hub_job_units_expected", "Units of work the running jobs of a kind have in all, as far as they know it.", ("kind",)
)


async def sample_jobs(app: FastAPI) -> list[Reading]:
    """Jobs by kind and state (every kind the runner knows, in every state, from 0), and running jobs' progress."""
    runner: JobRunner | None = getattr(app.state, "job_runner", None)
    if runner is None:
        return []
    table = runner.model
    running = table.state == JobState.running
    query = select(
        table.kind,
        table.state,
        func.count(),
        func.coalesce(func.sum(table.done).filter(running), 0),
        func.coalesce(func.sum(table.total).filter(running), 0),
    ).group_by(table.kind, table.state)
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(query)).all()
    kinds = sorted({*runner.work, *(row[0] for row in rows)})
    counts = {(kind, state): 0 for kind in kinds for state in JobState}
    done = dict.fromkeys(kinds, 0)
    total = dict.fromkeys(kinds, 0)
    for kind, state, count, units_done, units_total in rows:
        counts[kind, JobState(state)] = count
        done[kind] += units_done
        total[kind] += units_total
    return [
        *(JOBS.reading(count, kind, state.value) for (kind, state), count in counts.items()),
        *(JOB_UNITS_DONE.reading(done[kind], kind) for kind in kinds),
        *(JOB_UNITS_EXPECTED.reading(total[kind], kind) for kind in kinds),
    ]


JOBS_SAMPLER = Sampler("jobs", sample_jobs)
