"""A backup started through the gateway as a job (A31.1): an administrator of the city starts it, polls its progress
to the end, and its manifest verifies against the live centre; nobody else starts one (A4.1) or sees it."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aggregation.centre import DISTRICT, World, centre_world, ndjson, person

from aggregation_svc.backups import service
from aggregation_svc.backups.manifest import Manifest
from harness import Infra, Keys, assert_problem, eventually, register_client

pytestmark = pytest.mark.integration

RECORDS = 25


@pytest.fixture(scope="module")
def backup_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("centre-backups").resolve()


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys, backup_dir: Path) -> AsyncIterator[World]:
    """The centre, configured to write its backups into `backup_dir`."""
    overrides = {"aggregation": {"HUB_BACKUP_DIR": str(backup_dir)}}
    async with centre_world(infra, keys, settings_overrides=lambda name: dict(overrides.get(name, {}))) as running:
        yield running


async def start_backup(world: World, headers: dict[str, str]) -> httpx.Response:
    # No body: where the backup goes is the service's setting, never the caller's.
    return await world.gateway.post("/api/aggregation/backups", headers=headers)


async def finished(world: World, location: str, seen: list[tuple[int, int | None]]) -> dict[str, Any]:
    """Poll the job where `Location` points until it ends, noting the progress seen on the way."""

    async def poll() -> dict[str, Any] | None:
        response = await world.gateway.get(location, headers=world.admin)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        seen.append((job["done"], job["total"]))
        return job if job["state"] in ("succeeded", "failed") else None

    job: dict[str, Any] = await eventually(poll, within=60.0, every=0.1)
    return job


async def test_a_city_administrator_backs_the_centre_up_as_a_job_that_verifies_against_it_A31_1(
    world: World, backup_dir: Path
) -> None:
    entry_id = await world.publish(world.police)
    pushed = await world.push(entry_id, "b1", ndjson(person(n) for n in range(RECORDS)), world.police.system)
    assert pushed.status_code == 201, pushed.text
    # The batch's events leave the outbox once published: the backup then meets a centre at rest.
    await eventually(lambda: _outbox_empty(world))

    started = await start_backup(world, world.admin)
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    assert started.json()["state"] == "queued"
    # Location is a reference under the gateway's /api/aggregation/, where the poll route answers (A12.1).
    location = started.url.join(started.headers["location"])
    assert location.path == f"/api/aggregation/jobs/{job_id}"

    seen: list[tuple[int, int | None]] = []
    job = await finished(world, str(location), seen)
    assert job["state"] == "succeeded", job["problem"]
    result = job["result"]

    # Every table of the centre's schema but the job queue, counted as the database itself lists them.
    tables = {row[0] for row in await world.rows("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert "jobs" in tables
    assert (job["done"], job["total"]) == (len(tables) - 1, len(tables) - 1)
    assert all(done <= (total or 0) for done, total in seen)

    manifest = Manifest.from_json(json.dumps(result["manifest"]))
    assert set(manifest.tables) == tables - {"jobs"}
    assert manifest.tables["records"].rows == RECORDS
    verdict = await service.verify(world.mesh.databases["aggregation"], manifest)
    assert verdict.intact, verdict.lines()

    # The files are in the configured folder, the manifest beside the dump, describing it.
    dump_file, manifest_file = Path(result["dump_file"]), Path(result["manifest_file"])
    assert dump_file.parent == backup_dir
    assert manifest_file == service.manifest_file_of(dump_file)
    assert Manifest.from_json(await asyncio.to_thread(manifest_file.read_text)) == manifest
    assert await asyncio.to_thread(service.file_sha256, dump_file) == manifest.dump_sha256


async def test_a_district_administrator_cannot_back_up_the_city_A4_1(world: World) -> None:
    district_admin = await register_client(world.gateway, world.admin, "operator", ["administrator"], region=DISTRICT)
    jobs_before = await world.rows("SELECT id FROM jobs")
    problem = assert_problem(await start_backup(world, district_admin), 403)
    assert problem["requirement"] == "A4.1"
    assert await world.rows("SELECT id FROM jobs") == jobs_before


async def test_an_agency_cannot_back_up_the_centre_nor_see_a_backup_job_A4_1(world: World) -> None:
    for agency_client in (world.police.system, world.police.job):
        assert_problem(await start_backup(world, agency_client), 403)
    started = await start_backup(world, world.admin)
    assert started.status_code == 202, started.text
    location = started.url.join(started.headers["location"])
    assert_problem(await world.gateway.get(str(location), headers=world.police.system), 403)
    # A district's operator passes the gateway's role check, and the centre answers as if the job did not exist.
    district_reviewer = world.district_reviewer
    assert_problem(await world.gateway.get(str(location), headers=district_reviewer), 404)
    await finished(world, str(location), [])


@pytest.fixture
def failing_pg_dump(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A pg_dump that writes part of a dump, then loses its connection (found through PG_BIN, as the real one)."""
    tool = tmp_path / "bin" / "pg_dump"
    tool.parent.mkdir()
    tool.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "pg_dump (PostgreSQL) 99.0"; exit 0; fi\n'
        'for a in "$@"; do case "$a" in --file=*) printf PGDMP > "${a#--file=}";; esac; done\n'
        'echo "pg_dump: error: connection to server lost" >&2; exit 1\n'
    )
    tool.chmod(0o755)
    monkeypatch.setenv("PG_BIN", str(tool.parent))


@pytest.mark.usefixtures("failing_pg_dump")
async def test_a_backup_that_fails_ends_failed_with_its_problem_and_leaves_no_dump_A31_1(
    world: World, backup_dir: Path
) -> None:
    before = await asyncio.to_thread(lambda: set(backup_dir.iterdir()))

    started = await start_backup(world, world.admin)
    assert started.status_code == 202, started.text
    job = await finished(world, str(started.url.join(started.headers["location"])), [])

    assert job["state"] == "failed"
    assert job["result"] is None
    assert "connection to server lost" in job["problem"]["detail"]
    assert await asyncio.to_thread(lambda: set(backup_dir.iterdir())) == before


async def _outbox_empty(world: World) -> bool:
    return bool((await world.rows("SELECT count(*) FROM outbox"))[0][0] == 0)
