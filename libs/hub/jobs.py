"""Long work as jobs: the request answers `202 Accepted` at once with a `Location` the caller polls for the job's
state, progress (done / total), per-row errors and result.

Guarantees:
- A job and its input commit with the request that submits it; nothing runs for a request that rolled back.
- One replica runs a job at a time: runners claim queued jobs with `FOR UPDATE SKIP LOCKED` and hold a lease they
  renew with every progress report. A job whose runner died (its lease expired) is queued again, so its work must
  be all-or-nothing (the catalogue import writes in one transaction) or idempotent.
- Progress and errors are committed in their own short transactions while the work's own transaction is open, so
  a poller sees them as they happen. At most `MAX_ERRORS` errors are kept; `error_count` counts them all.
- A job ends `succeeded` with its result or `failed` with a problem; its input is dropped when it ends.

A service declares its table with `JobMixin`, its kinds of work in a `JobRunner`, and the poll route with
`jobs_router`; the job lifecycle is `hub.lifecycle`'s, so an illegal transition is a 409 like any other.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
import structlog
from alembic import op
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, or_, select, update
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from hub.background import BackgroundWork
from hub.db import SessionDep
from hub.errors import NotFound, Problem
from hub.internal_token import Caller, CallerDep
from hub.lifecycle import Lifecycle
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES

log = structlog.get_logger(__name__)

MAX_ERRORS = 1000


class JobState(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class JobAction(StrEnum):
    start = "start"
    succeed = "succeed"
    fail = "fail"
    requeue = "requeue"  # its runner died: the lease expired


JOB_LIFECYCLE: Lifecycle[JobState, JobAction] = Lifecycle(
    "job",
    {
        (JobState.queued, JobAction.start): JobState.running,
        (JobState.running, JobAction.succeed): JobState.succeeded,
        (JobState.running, JobAction.fail): JobState.failed,
        (JobState.running, JobAction.requeue): JobState.queued,
    },
)


class JobMixin:
    """The columns of a service's `jobs` table: `class Job(JobMixin, Base): __tablename__ = "jobs"`."""

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(60))
    state: Mapped[str] = mapped_column(String(20), default=JobState.queued, index=True)
    # Who submitted it, for the poll route's scope check: the caller, its agency and its region (A4.1, A15.2).
    submitted_by: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[str | None] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(12))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    input: Mapped[bytes | None] = mapped_column(LargeBinary)
    done: Mapped[int] = mapped_column(BigInteger, default=0)
    total: Mapped[int | None] = mapped_column(BigInteger)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=lambda: datetime.now(UTC))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def submit_job(
    session: AsyncSession,
    model: type[JobMixin],
    kind: str,
    caller: Caller,
    *,
    input: bytes | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> JobMixin:
    """Add a queued job to the request's transaction; it runs once the transaction commits."""
    job = model()
    job.id = uuid.uuid4()
    job.kind = kind
    job.state = JobState.queued
    job.submitted_by = caller.subject
    job.agency_id = caller.agency_id
    job.region_code = caller.region_code
    job.parameters = dict(parameters or {})
    job.input = input
    job.done, job.errors, job.error_count, job.attempts = 0, [], 0, 0
    job.created_at = datetime.now(UTC)
    session.add(job)
    return job


@dataclass
class JobProgress:
    """What a running job's work reports through: progress and errors, each committed at once."""

    job_id: uuid.UUID
    model: type[JobMixin]
    sessionmaker: async_sessionmaker[AsyncSession]
    lease_seconds: float

    async def report(self, done: int, total: int | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        """Record progress (and new errors) and renew the lease."""
        table = self.model
        values: dict[str, Any] = {
            "done": done,
            "lease_until": datetime.now(UTC) + timedelta(seconds=self.lease_seconds),
        }
        if total is not None:
            values["total"] = total
        async with self.sessionmaker() as session, session.begin():
            if errors:
                job = await session.get(table, self.job_id, with_for_update=True)
                assert job is not None
                room = max(0, MAX_ERRORS - len(job.errors))
                values["errors"] = [*job.errors, *errors[:room]]
                values["error_count"] = job.error_count + len(errors)
            await session.execute(update(table).where(table.id == self.job_id).values(**values))


# A job's work: its input, its parameters and its progress reporter in; its result out. A Problem it raises fails
# the job with that problem; any other exception fails it with an internal error (and is logged).
JobWork = Callable[[bytes | None, dict[str, Any], JobProgress], Awaitable[dict[str, Any]]]


class JobRunner(BackgroundWork):
    """Runs one service's queued jobs in the background, one at a time per replica."""

    def __init__(
        self,
        model: type[JobMixin],
        work: Mapping[str, JobWork],
        *,
        lease_seconds: float = 60.0,
        poll_seconds: float = 2.0,
    ) -> None:
        super().__init__("job-runner")
        self.model = model
        self.work = dict(work)
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self.sessionmaker: async_sessionmaker[AsyncSession] | None = None

    def wake(self) -> None:
        """Look for queued jobs now rather than at the next poll (after a submission commits)."""
        self._wake.set()

    def lifespan(self, app: FastAPI) -> contextlib.AbstractAsyncContextManager[None]:
        """The runner as a lifespan part (ServiceSpec.extra_lifespans)."""

        @contextlib.asynccontextmanager
        async def running() -> AsyncIterator[None]:
            self.sessionmaker = app.state.sessionmaker
            app.state.job_runner = self
            self.start()
            try:
                yield
            finally:
                await self.stop()

        return running()

    async def run(self) -> None:
        while True:
            while await self.run_next():
                pass
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll_seconds)
            self._wake.clear()

    async def _claim(self) -> tuple[uuid.UUID, str, bytes | None, dict[str, Any]] | None:
        table = self.model
        now = datetime.now(UTC)
        assert self.sessionmaker is not None
        async with self.sessionmaker() as session, session.begin():
            job = (
                await session.execute(
                    select(table)
                    .where(
                        or_(
                            table.state == JobState.queued,
                            (table.state == JobState.running) & (table.lease_until < now),
                        )
                    )
                    .order_by(table.created_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if job is None:
                return None
            state = JobState(job.state)
            if state is JobState.running:
                log.warning("job's runner died; running it again", job=str(job.id), kind=job.kind)
                state = JOB_LIFECYCLE.apply(state, JobAction.requeue)
                # The work starts over, and so does what it reported: no error is listed twice.
                job.done, job.total, job.errors, job.error_count = 0, None, [], 0
            job.state = JOB_LIFECYCLE.apply(state, JobAction.start)
            job.attempts += 1
            job.started_at = now
            job.lease_until = now + timedelta(seconds=self.lease_seconds)
            return job.id, job.kind, job.input, dict(job.parameters)

    async def run_next(self) -> bool:
        """Claim and run one job; False when none is waiting."""
        claimed = await self._claim()
        if claimed is None:
            return False
        job_id, kind, data, parameters = claimed
        assert self.sessionmaker is not None
        progress = JobProgress(job_id, self.model, self.sessionmaker, self.lease_seconds)
        result: dict[str, Any] | None = None
        problem: dict[str, Any] | None = None
        try:
            work = self.work.get(kind)
            if work is None:
                raise Problem(f"No work of kind {kind} in this service.")
            result = await work(data, parameters, progress)
        except Problem as exc:
            problem = exc.body()
        except Exception as exc:
            log.exception("job failed", job=str(job_id), kind=kind)
            problem = Problem(f"The job failed: {type(exc).__name__}.").body()
        action = JobAction.succeed if problem is None else JobAction.fail
        table = self.model
        async with self.sessionmaker() as session, session.begin():
            job = await session.get(table, job_id, with_for_update=True)
            assert job is not None
            job.state = JOB_LIFECYCLE.apply(JobState(job.state), action)
            job.result, job.problem = result, problem
            job.finished_at = datetime.now(UTC)
            job.lease_until = None
            job.input = None
        return True


def job_view(job: JobMixin) -> dict[str, Any]:
    """What the poll route answers: state, progress, errors, result or problem."""
    return {
        "id": str(job.id),
        "kind": job.kind,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "errors": job.errors,
        "error_count": job.error_count,
        "result": job.result,
        "problem": job.problem,
        "attempts": job.attempts,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
    }


class JobOut(BaseModel):
    """A job as its submitter polls it."""

    id: uuid.UUID
    kind: str
    state: JobState
    done: int = Field(description="units of work done (rows, entries…)")
    total: int | None = Field(description="units of work in all, once known")
    errors: list[dict[str, Any]] = Field(description=f"the first {MAX_ERRORS} errors, e.g. per row")
    error_count: int
    result: dict[str, Any] | None
    problem: dict[str, Any] | None = Field(description="why it failed (RFC 9457)")
    attempts: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    model_config = ConfigDict(from_attributes=True)


def may_see(caller: Caller, job: JobMixin) -> bool:
    """Whether a caller may poll a job: its submitter, its agency, or an operator of its region (A4.1, A15.2)."""
    if caller.subject == job.submitted_by:
        return True
    if job.agency_id is not None and caller.agency_id == job.agency_id:
        return True
    operator = bool(OPERATOR_ROLES.intersection(caller.roles))
    return (
        operator
        and bool(caller.region_code and job.region_code)
        and region_contains(str(caller.region_code), str(job.region_code))
    )


def jobs_router(model: type[JobMixin]) -> APIRouter:
    """`GET /jobs/{job_id}`: a job's state, progress, errors and result, for those who may see it."""
    router = APIRouter(tags=["jobs"])

    @router.get("/jobs/{job_id}", response_model=JobOut)
    async def poll_job(job_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> JobMixin:
        """Where a `202 Accepted` points: poll until `state` is `succeeded` or `failed`."""
        job = await session.get(model, job_id)
        # Someone else's job answers as if it did not exist: its id tells nothing.
        if job is None or not may_see(caller, job):
            raise NotFound(f"No job {job_id}.")
        return job

    return router


def create_jobs_table() -> None:
    """The `jobs` table of `JobMixin` with its index on the state, for a service's Alembic migration. Old migrations
    replay through it on every new database, so it must never change: a later change of the mixin comes with a new
    function here, called from a new migration of each service that keeps jobs."""
    op.create_table(
        "jobs",
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(60), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("submitted_by", sa.String(200), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=True),
        sa.Column("region_code", sa.String(12), nullable=True),
        sa.Column("parameters", JSONB(), nullable=False),
        sa.Column("input", sa.LargeBinary(), nullable=True),
        sa.Column("done", sa.BigInteger(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("errors", JSONB(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("result", JSONB(), nullable=True),
        sa.Column("problem", JSONB(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_jobs"),
    )
    op.create_index("ix_jobs_state", "jobs", ["state"])


def drop_jobs_table() -> None:
    """Undo `create_jobs_table`."""
    op.drop_index("ix_jobs_state", table_name="jobs")
    op.drop_table("jobs")
