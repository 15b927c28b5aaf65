"""Runs catalog-svc's queued jobs in the background (hub.jobs): one at a time per replica; a job whose replica
died is taken over once its lease runs out."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from catalog_svc.jobs.models import Job
from catalog_svc.transfer.service import IMPORT_JOB, import_work
from hub.dependencies import clock_today
from hub.jobs import JobRunner

# A running job renews its lease with every progress report; reading a 50,000-row workbook reports nothing until
# it is read, so the lease outlasts that with room to spare.
LEASE_SECONDS = 180.0


def job_runner(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """The app's job runner as a lifespan part: a fresh one per app (tests run several apps in one process)."""
    work = {IMPORT_JOB: import_work(lambda: clock_today(app))}
    return JobRunner(Job, work, lease_seconds=LEASE_SECONDS).lifespan(app)
