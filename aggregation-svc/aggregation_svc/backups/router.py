"""HTTP for backups (A31.1): start one as a job; poll it at `GET /jobs/{job_id}`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Request, Response, status

from aggregation_svc.backups.jobs import submit_backup
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.jobs import JobOut
from hub.roles import Role, require_roles

router = APIRouter(tags=["backups"])
Administrator = Annotated[Caller, Depends(require_roles(Role.administrator))]


@router.post(
    "/backups",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=JobOut,
    responses={202: {"headers": {"Location": {"description": "Where to poll the job", "schema": {"type": "string"}}}}},
)
async def start_backup(
    request: Request, response: Response, background: BackgroundTasks, session: SessionDep, caller: Administrator
) -> JobOut:
    """Back up the whole centre (A31.1), as a job: for administrators of the city (A4.1).

    The answer is `202 Accepted` with the job; `Location` names where to poll it (`GET /jobs/{job_id}`, through the
    gateway `/api/aggregation/jobs/{job_id}`). The job reports `done` of `total` tables counted, and ends
    `succeeded` with `result`: `dump_file` and `manifest_file`, written in the service's configured backup folder
    (`HUB_BACKUP_DIR`; never one the caller names), and `manifest`, each table's row count and checksum taken in
    the dump's snapshot, which `python -m aggregation_svc.backups verify|restore` check a database against. The
    rows of the job queue itself are left out of the dump and the manifest.
    """
    job = submit_backup(session, caller)
    await session.flush()
    # A path on this service: the gateway answers it as the same path under /api/aggregation/ (A12.1).
    response.headers["location"] = f"/jobs/{job.id}"
    # Run after the answer, so after the request's transaction committed the job.
    background.add_task(request.app.state.job_runner.wake)
    return JobOut.model_validate(job)
