"""The job facility on a real PostgreSQL: a job runs after its submission commits, reports progress and errors as it
goes, ends succeeded or failed, and is run again when its runner died (its lease expired)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

from harness import Infra
from hub.db import async_url, new_metadata
from hub.errors import InvalidInput
from hub.internal_token import Caller
from hub.jobs import MAX_ERRORS, JobMixin, JobProgress, JobRunner, JobState, may_see, submit_job
from hub.migrations import ensure_database

pytestmark = pytest.mark.integration

AGENCY_SYSTEM = Caller(subject="police-system", kind="agency_system", roles=("agency_system",), agency_id="a-1",
                       region_code="320213")  # fmt: skip


class Base(DeclarativeBase):
    metadata = new_metadata()


class Job(JobMixin, Base):
    __tablename__ = "jobs"


@pytest.fixture
async def sessionmaker(infra: Infra) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = infra.database(f"t_jobs_{uuid.uuid4().hex[:12]}")
    await ensure_database(url)
    engine = create_async_engine(async_url(url))
    async with engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()
        await infra.drop_database(url)


async def _submit(sessionmaker: async_sessionmaker[AsyncSession], kind: str, data: bytes) -> uuid.UUID:
    async with sessionmaker() as session, session.begin():
        return submit_job(session, Job, kind, AGENCY_SYSTEM, input=data, parameters={"sep": ","}).id


async def _job(sessionmaker: async_sessionmaker[AsyncSession], job_id: uuid.UUID) -> Job:
    async with sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        return job


def _runner(sessionmaker: async_sessionmaker[AsyncSession], **work: Any) -> JobRunner:
    runner = JobRunner(Job, work, lease_seconds=30)
    runner.sessionmaker = sessionmaker
    return runner


async def test_a_job_reports_progress_and_errors_then_succeeds(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    seen: list[tuple[int, int | None, int]] = []

    async def count_rows(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        assert data is not None
        rows = data.decode().split(parameters["sep"])
        for done, row in enumerate(rows, start=1):
            await progress.report(done, len(rows), [{"row": done, "message": "empty"}] if not row else None)
            job = await _job(sessionmaker, progress.job_id)
            seen.append((job.done, job.total, job.error_count))
        return {"rows": len(rows)}

    job_id = await _submit(sessionmaker, "count", b"a,,c")
    runner = _runner(sessionmaker, count=count_rows)

    assert await runner.run_next() is True
    assert await runner.run_next() is False
    job = await _job(sessionmaker, job_id)
    assert job.state == JobState.succeeded
    assert job.result == {"rows": 3}
    assert job.errors == [{"row": 2, "message": "empty"}]
    assert job.input is None
    assert seen == [(1, 3, 0), (2, 3, 1), (3, 3, 1)]


async def test_a_problem_fails_the_job_with_it(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def refuse(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        raise InvalidInput("The file is not a spreadsheet.", errors=[{"field": "file", "message": "not XLSX"}])

    job_id = await _submit(sessionmaker, "refuse", b"x")
    await _runner(sessionmaker, refuse=refuse).run_next()

    job = await _job(sessionmaker, job_id)
    assert job.state == JobState.failed
    assert job.problem is not None
    assert job.problem["status"] == 422
    assert job.problem["errors"] == [{"field": "file", "message": "not XLSX"}]


async def test_an_unexpected_error_fails_the_job_without_leaking_it(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> None:
    async def crash(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        raise RuntimeError("password=hunter2")

    job_id = await _submit(sessionmaker, "crash", b"x")
    await _runner(sessionmaker, crash=crash).run_next()

    job = await _job(sessionmaker, job_id)
    assert job.state == JobState.failed
    assert job.problem is not None
    assert "hunter2" not in str(job.problem)


async def test_errors_are_capped_but_counted(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    async def many(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        await progress.report(1, 2, [{"row": n} for n in range(MAX_ERRORS - 1)])
        await progress.report(2, 2, [{"row": n} for n in range(5)])
        return {}

    job_id = await _submit(sessionmaker, "many", b"")
    await _runner(sessionmaker, many=many).run_next()

    job = await _job(sessionmaker, job_id)
    assert len(job.errors) == MAX_ERRORS
    assert job.error_count == MAX_ERRORS - 1 + 5


async def test_a_job_whose_runner_died_runs_again(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    calls: list[int] = []

    async def work(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        calls.append(1)
        return {"ok": True}

    job_id = await _submit(sessionmaker, "work", b"")
    async with sessionmaker() as session, session.begin():
        job = await session.get(Job, job_id)
        assert job is not None
        job.state, job.attempts = JobState.running, 1
        job.lease_until = datetime.now(UTC) - timedelta(seconds=1)

    assert await _runner(sessionmaker, work=work).run_next() is True
    job = await _job(sessionmaker, job_id)
    assert (job.state, job.attempts, calls) == (JobState.succeeded, 2, [1])


async def test_a_running_job_with_a_live_lease_is_left_alone(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    job_id = await _submit(sessionmaker, "work", b"")
    async with sessionmaker() as session, session.begin():
        job = await session.get(Job, job_id)
        assert job is not None
        job.state, job.lease_until = JobState.running, datetime.now(UTC) + timedelta(seconds=30)

    assert await _runner(sessionmaker).run_next() is False


async def test_two_runners_never_run_one_job_twice(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    calls: list[uuid.UUID] = []

    async def slow(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        calls.append(progress.job_id)
        await asyncio.sleep(0.05)
        return {}

    ids = {await _submit(sessionmaker, "slow", b"") for _ in range(6)}
    first, second = _runner(sessionmaker, slow=slow), _runner(sessionmaker, slow=slow)

    async def drain(runner: JobRunner) -> None:
        while await runner.run_next():
            pass

    await asyncio.gather(drain(first), drain(second))
    assert sorted(calls) == sorted(ids)


def test_who_may_poll_a_job_A4_1() -> None:
    job = Job(submitted_by="police-system", agency_id="a-1", region_code="320213")

    def caller(subject: str, roles: tuple[str, ...], agency: str | None, region: str | None) -> Caller:
        return Caller(subject=subject, kind="x", roles=roles, agency_id=agency, region_code=region)

    assert may_see(caller("police-system", ("agency_system",), "a-1", "320213"), job)
    assert may_see(caller("police-officer", ("agency_officer",), "a-1", "320213"), job)
    assert not may_see(caller("tax-system", ("agency_system",), "a-2", "320213"), job)
    assert may_see(caller("district-reviewer", ("reviewer",), None, "320213"), job)
    assert may_see(caller("city-inspector", ("inspector",), None, "320200"), job)
    assert not may_see(caller("sibling-admin", ("administrator",), None, "320205"), job)
    assert not may_see(caller("someone", ("portal_user",), None, "320213"), job)
