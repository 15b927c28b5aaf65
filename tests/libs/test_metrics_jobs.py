"""Jobs as sampled gauges (hub.metrics_jobs), on a real catalog-svc database: jobs by kind and state, every state of
every kind the runner knows from 0, and the progress of the running ones."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from catalog_svc.jobs.models import Job
from catalog_svc.transfer.service import IMPORT_JOB
from harness import Infra, Keys, settings_for
from hub.db import create_engine, create_sessionmaker
from hub.jobs import JobProgress, JobRunner
from hub.metrics_jobs import JOB_UNITS_DONE, JOB_UNITS_EXPECTED, JOBS, sample_jobs

pytestmark = pytest.mark.integration


async def never_run(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
    raise AssertionError("the sampler only counts jobs")


@pytest.fixture
async def catalog(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> AsyncIterator[FastAPI]:
    """catalog-svc's state on a fresh database, with a job runner that knows the catalogue import (not running)."""
    app = FastAPI()
    app.state.settings = settings_for("catalog", infra, keys, await database_factory("catalog"), topic_prefix)
    app.state.engine = create_engine(app.state.settings)
    app.state.sessionmaker = create_sessionmaker(app.state.engine)
    app.state.job_runner = JobRunner(Job, {IMPORT_JOB: never_run})
    try:
        yield app
    finally:
        await app.state.engine.dispose()


def job(state: str, done: int = 0, total: int | None = None, kind: str = IMPORT_JOB) -> Job:
    return Job(id=uuid.uuid4(), kind=kind, state=state, submitted_by="police-system", parameters={}, done=done,
               total=total, errors=[], error_count=0, attempts=1, created_at=datetime.now(UTC))  # fmt: skip


async def test_jobs_are_counted_by_kind_and_state_with_the_running_ones_progress(catalog: FastAPI) -> None:
    async with catalog.state.sessionmaker() as session, session.begin():
        session.add_all([
            job("queued"), job("queued"),
            job("running", done=400, total=1000), job("running", done=50),  # its total not known yet
            job("succeeded", done=10, total=10),
            job("running", done=7, total=9, kind="retired-kind"),  # a kind this release no longer runs
        ])  # fmt: skip
    readings = {(r.gauge.name, r.labelvalues): r.value for r in await sample_jobs(catalog)}
    assert readings == {
        (JOBS.name, (IMPORT_JOB, "queued")): 2,
        (JOBS.name, (IMPORT_JOB, "running")): 2,
        (JOBS.name, (IMPORT_JOB, "succeeded")): 1,
        (JOBS.name, (IMPORT_JOB, "failed")): 0,
        (JOBS.name, ("retired-kind", "queued")): 0,
        (JOBS.name, ("retired-kind", "running")): 1,
        (JOBS.name, ("retired-kind", "succeeded")): 0,
        (JOBS.name, ("retired-kind", "failed")): 0,
        # Progress counts running jobs only: the finished one's 10 of 10 is no work in progress.
        (JOB_UNITS_DONE.name, (IMPORT_JOB,)): 450,
        (JOB_UNITS_EXPECTED.name, (IMPORT_JOB,)): 1000,
        (JOB_UNITS_DONE.name, ("retired-kind",)): 7,
        (JOB_UNITS_EXPECTED.name, ("retired-kind",)): 9,
    }


async def test_a_service_without_a_job_runner_has_no_job_series(catalog: FastAPI) -> None:
    catalog.state.job_runner = None
    assert await sample_jobs(catalog) == []
