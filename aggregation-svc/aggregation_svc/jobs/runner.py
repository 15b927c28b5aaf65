"""Runs aggregation-svc's queued jobs in the background (hub.jobs): one at a time per replica; a job whose replica
died is taken over once its lease runs out."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from aggregation_svc.backups.jobs import BACKUP_JOB, backup_work
from aggregation_svc.jobs.models import Job
from aggregation_svc.settings import Settings
from hub.jobs import JobRunner


def job_runner(app: FastAPI) -> AbstractAsyncContextManager[None]:
    """The app's job runner as a lifespan part: a fresh one per app (tests run several apps in one process), on the
    app's own database and backup folder."""
    settings: Settings = app.state.settings
    work = {BACKUP_JOB: backup_work(settings.database_url, settings.backup_dir)}
    return JobRunner(Job, work).lifespan(app)
