"""A backup as a job of the centre (A31.1): started through the API by an administrator of the city, it writes
into the configured folder (never one the caller names), reports the tables counted so far, and ends with the
manifest and where the files are. The same backup as `python -m aggregation_svc.backups backup`."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.backups import service
from aggregation_svc.backups.pg_tools import BackupError
from aggregation_svc.jobs.models import Job
from hub.errors import Forbidden, InternalError
from hub.internal_token import Caller
from hub.jobs import JobMixin, JobProgress, JobWork, submit_job
from hub.regions import is_city
from hub.roles import Role

BACKUP_JOB = "backup"


def submit_backup(session: AsyncSession, caller: Caller) -> JobMixin:
    """Queue a backup of the whole centre, which only an administrator of the city may start: it copies every
    region's data (A4.1, A31.1). It runs once the request's transaction commits."""
    if Role.administrator not in caller.roles or not is_city(caller.region_code or ""):
        raise Forbidden(
            f"A backup holds the whole city's data: only an administrator of the city starts one, not one of "
            f"region {caller.region_code}.",
            requirement="A4.1",
        )
    return submit_job(session, Job, BACKUP_JOB, caller)


@dataclass
class _Progress:
    """The last figures reported, which the lease renewal repeats while pg_dump runs without any."""

    done: int = 0
    total: int | None = None


def backup_work(database_url: str, backup_dir: Path) -> JobWork:
    """The work of a backup job on this database, into this folder."""
    folder = backup_dir.resolve()

    async def back_up(_input: bytes | None, _parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        last = _Progress()

        async def report(done: int, total: int) -> None:
            last.done, last.total = done, total
            await progress.report(done, total)

        async def keep_lease() -> None:
            # A dump can outlast the lease; renewed, another replica does not take the job for a dead runner's.
            while True:
                await asyncio.sleep(progress.lease_seconds / 3)
                await progress.report(last.done, last.total)

        renewal = asyncio.create_task(keep_lease())
        try:
            made = await service.backup(database_url, folder, on_table=report)
        except (BackupError, OSError) as exc:
            # What an administrator fixes on the server (a missing pg_dump, a full disk), said in the job's problem.
            raise InternalError(f"The backup could not be made: {exc}") from exc
        finally:
            renewal.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewal
        return {
            "dump_file": str(made.dump_file),
            "manifest_file": str(made.manifest_file),
            "manifest": json.loads(made.manifest.to_json()),
        }

    return back_up
