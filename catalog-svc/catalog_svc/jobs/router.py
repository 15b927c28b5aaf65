"""HTTP for jobs: `GET /jobs/{job_id}`, where a `202 Accepted` points (hub.jobs.jobs_router)."""

from __future__ import annotations

from catalog_svc.jobs.models import Job
from hub.jobs import jobs_router

router = jobs_router(Job)
