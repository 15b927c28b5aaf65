"""Catalogue imports as jobs (A14.1): a city's catalogue of 5,000 entries imported through the gateway with its
progress polled to the end and its bad rows reported; an import whose runner died midway left nothing behind and
is run again whole by another runner."""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from catalog.imports import import_file
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from catalog_svc.agencies import service as agencies
from catalog_svc.agencies.schemas import AgencyIn
from catalog_svc.entries.models import Entry
from catalog_svc.jobs.models import Job
from catalog_svc.regions import service as regions
from catalog_svc.regions.schemas import RegionIn
from catalog_svc.transfer.schemas import FileFormat
from catalog_svc.transfer.service import IMPORT_JOB, import_work, submit_import
from catalog_svc.transfer.table import COLUMNS
from factories import agency_body
from harness import CITY, MeshStarter, city_admin, register_agency, rows
from hub.db import async_url
from hub.internal_token import Caller
from hub.jobs import JobProgress, JobRunner, JobState

pytestmark = pytest.mark.integration

ENTRIES = 5000


def entry_row(n: int, **values: Any) -> dict[str, Any]:
    """The one row of a complete entry, numbered n; `values` override columns."""
    return {
        "code": f"01-02/{n:06d}", "region_code": CITY, "name": f"常住人口基本信息{n}",
        "summary": "全市常住人口的基本信息。",
        "classification": "01-02", "category": "base", "base_database": "population",
        "source_system": "人口管理信息系统", "format": "CSV", "share_type": "unconditional", "share_method": "api",
        "open_type": "not_open", "open_legal_basis": "《中华人民共和国个人信息保护法》", "update_cycle": "daily",
        "tags": "人口;户籍", "item_name": "id_number", "item_label": "居民身份证号码", "item_type": "string",
        "item_length": 18, "item_required": "是", "item_key": "是", "item_sensitivity": "highly_sensitive",
        **values,
    }  # fmt: skip


def catalogue_csv(entries: int, bad: dict[int, dict[str, Any]]) -> bytes:
    """`entries` entries, one row each (entry n on row n + 2), entry n changed by `bad[n]` where given."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(entry_row(n, **bad.get(n, {})) for n in range(entries))
    return out.getvalue().encode()


@pytest.fixture
async def police(start_mesh: MeshStarter) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any], str]]:
    """The gateway, the police agency (its system's headers under "headers") and the catalog's database."""
    async with start_mesh(["catalog", "gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        yield gateway, await register_agency(gateway, admin, "无锡市公安局"), mesh.databases["catalog"]


async def test_a_city_catalogue_of_5000_entries_imports_as_a_job_polled_to_the_end_with_its_bad_rows_A14_1(
    police: tuple[httpx.AsyncClient, dict[str, Any], str],
) -> None:
    gateway, agency, database = police
    bad = {
        17: {"share_type": "sometimes"},  # refused as the file is read (A19.1's vocabulary)
        2500: {"item_length": "eighteen"},
        3001: {"region_code": "320299"},  # a region the tree does not hold: refused as the entry is written
        4999: {"update_cycle": "hourly"},
    }
    job = await import_file(gateway, agency["headers"], catalogue_csv(ENTRIES, bad))

    assert job.result == {"total": ENTRIES, "created": ENTRIES - len(bad), "updated": 0, "unchanged": 0,
                          "submitted": 0, "refused": len(bad)}  # fmt: skip
    done = [d for d, _ in job.progress]
    assert done == sorted(done), f"progress went back: {job.progress}"
    assert {t for _, t in job.progress} <= {None, ENTRIES}
    assert job.progress[-1] == (ENTRIES, ENTRIES)
    # Per-row errors: entry n is on row n + 2 (row 1 is the header).
    assert sorted(job.rows()) == [(19, "share_type"), (2502, "item_length"), (3003, "code"), (5001, "update_cycle")]
    assert job.job["error_count"] == len(bad)
    assert {e["code"] for e in job.job["errors"]} == {f"01-02/{n:06d}" for n in bad}
    (count,) = await rows(
        database, "SELECT count(*) FROM entries WHERE provider_agency_id = $1", uuid.UUID(agency["id"])
    )
    assert count[0] == ENTRIES - len(bad)


class DyingProgress(JobProgress):
    """Progress of a runner whose replica dies (its task cancelled) once the import has written its first batch."""

    async def report(self, done: int, total: int | None = None, errors: list[dict[str, Any]] | None = None) -> None:
        await super().report(done, total, errors)
        if done > 0 and total is None:
            task = asyncio.current_task()
            assert task is not None
            task.cancel()
            await asyncio.sleep(0)


@pytest.fixture
async def catalog_database(database_factory: Any) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = await database_factory("catalog")
    engine = create_async_engine(async_url(url))
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def test_an_import_whose_runner_died_midway_left_nothing_and_another_runner_imports_it_whole_A14_1(
    catalog_database: async_sessionmaker[AsyncSession],
) -> None:
    sessionmaker = catalog_database
    admin = Caller(subject="admin", kind="operator", roles=("administrator",), region_code=CITY)
    async with sessionmaker() as session, session.begin():
        await regions.add_region(session, admin, RegionIn(code=CITY, name="无锡市", level="city"))
        agency = await agencies.register_agency(session, admin, AgencyIn.model_validate(agency_body()))
        system = Caller(subject="police-system", kind="agency_system", roles=("agency_system",),
                        agency_id=str(agency.id), region_code=CITY)  # fmt: skip
        body = catalogue_csv(1000, {600: {"share_type": "sometimes"}})
        job_id = (await submit_import(session, system, body, FileFormat.csv, "utf-8-sig", submit=True)).id
    work = import_work(lambda: date(2026, 3, 2))

    async def dies(data: bytes | None, parameters: dict[str, Any], progress: JobProgress) -> dict[str, Any]:
        dying = DyingProgress(progress.job_id, progress.model, progress.sessionmaker, progress.lease_seconds)
        return await work(data, parameters, dying)

    first = JobRunner(Job, {IMPORT_JOB: dies}, lease_seconds=60)
    first.sessionmaker = sessionmaker
    with pytest.raises(asyncio.CancelledError):
        await first.run_next()

    async with sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        # It had reported part of the work, and entry 600's bad row, when it died.
        assert job.state == JobState.running
        assert 0 < job.done < 1000
        assert job.error_count == 1
        assert await session.scalar(select(func.count()).select_from(Entry)) == 0  # its writes rolled back
    async with sessionmaker() as session, session.begin():
        dead = await session.get(Job, job_id)
        assert dead is not None
        dead.lease_until = datetime.now(UTC) - timedelta(seconds=1)  # as if 60 s had passed without a report

    second = JobRunner(Job, {IMPORT_JOB: work})
    second.sessionmaker = sessionmaker
    assert await second.run_next() is True

    async with sessionmaker() as session:
        job = await session.get(Job, job_id)
        assert job is not None
        assert (job.state, job.attempts, job.done, job.total) == (JobState.succeeded, 2, 1000, 1000)
        assert job.result == {"total": 1000, "created": 999, "updated": 0, "unchanged": 0, "submitted": 999,
                              "refused": 1}  # fmt: skip
        # Each error once, though two runners read the file.
        assert (job.error_count, [(e["row"], e["field"]) for e in job.errors]) == (1, [(602, "share_type")])
        assert job.input is None
        assert await session.scalar(select(func.count()).select_from(Entry)) == 999
