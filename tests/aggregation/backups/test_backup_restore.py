"""Back the centre up, restore it into a new database, and verify the copy by row counts and checksums (A31.1)."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from aggregation_svc.backups import service
from aggregation_svc.backups.manifest import Manifest
from harness import Infra
from hub.db import asyncpg_dsn

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
ITEMS = [
    {"name": "id_number", "label": "居民身份证号码", "data_type": "string", "length": 18, "required": True, "key": True,
     "sensitivity": "highly_sensitive"},
    {"name": "full_name", "label": "姓名", "data_type": "string", "length": 10, "required": True, "key": False,
     "sensitivity": "sensitive"},
    {"name": "income", "label": "收入", "data_type": "decimal", "length": None, "required": False, "key": False,
     "sensitivity": "sensitive"},
]  # fmt: skip


async def seed_centre(url: str, records: int) -> uuid.UUID:
    """A published entry with items, a consent, a batch of records with their history, a quarantined row, and a
    running job."""
    entry, agency, consent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(
            "INSERT INTO published_entries (entry_id, code, version, region_code, provider_agency_id, name, summary, "
            "update_cycle, share_type, open_type, secrecy, consent_required, items, published_at) "
            "VALUES ($1, '01-02/000001', 1, '320200', $2, '居住登记信息', '居住登记的基本信息。', 'daily', "
            "'unconditional', 'not_open', 'internal', true, $3::jsonb, $4)",
            entry, agency, json.dumps(ITEMS, ensure_ascii=False), now,
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO consents (id, agency_id, region_code, subject, purpose, method, scope, entry_ids, "
            "query_channel, correction_channel, given_at, expires_at, recorded_by, recorded_at) VALUES "
            "($1, $2, '320200', '居民1', '居住登记', '书面', '姓名', $3, '窗口', '窗口', $4, $5, 'clerk', $4)",
            consent, agency, [entry], now, now + timedelta(days=365),
        )  # fmt: skip
        await conn.execute(
            "INSERT INTO batches (entry_id, batch_id, agency_id, submitted_by, channel, format, status, entry_version, "
            "received, stored, inserted, updated, quarantined, content_sha256, started_at, finished_at) "
            "VALUES ($1, 'b1', $2, 'system', 'http', 'ndjson', 'ingested', 1, $3, $4, $4, 0, 1, $5, $6, $6)",
            entry, agency, records + 1, records, "f" * 64, now,
        )  # fmt: skip
        rows = [
            (entry, json.dumps([f"3202001990{n:08d}"]),
             json.dumps({"id_number": f"3202001990{n:08d}", "full_name": f"居民{n}", "income": f"{n}.50"},
                        ensure_ascii=False),
             consent, agency, "b1", 1, now, now)
            for n in range(records)
        ]  # fmt: skip
        await conn.executemany(
            "INSERT INTO records (entry_id, key, data, consent_id, agency_id, batch_id, version, created_at, "
            "updated_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8, $9)",
            rows,
        )
        await conn.executemany(
            "INSERT INTO record_history (entry_id, key, operation, version, batch_id, row_number, agency_id, "
            "consent_id, recorded_at) VALUES ($1, $2, 'inserted', 1, 'b1', $3, $4, $5, $6)",
            [(entry, r[1], n + 1, agency, consent, now) for n, r in enumerate(rows)],
        )
        await conn.execute(
            "INSERT INTO quarantined_rows (entry_id, batch_id, row_number, problems, raw) "
            "VALUES ($1, 'b1', $2, $3, $4)",
            entry, records + 1, json.dumps([{"field": "full_name", "reason": "required", "requirement": "A17.1"}]),
            '{"id_number": "1"}',
        )  # fmt: skip
        # A backup job still running, as when the API's backup job takes the dump.
        await conn.execute(
            "INSERT INTO jobs (id, kind, state, submitted_by, region_code, parameters, done, errors, error_count, "
            "attempts, created_at, started_at, lease_until) VALUES ($1, 'backup', 'running', 'admin', '320200', "
            "'{}', 0, '[]', 0, 1, $2, $2, $2)",
            uuid.uuid4(), now,
        )  # fmt: skip
    finally:
        await conn.close()
    return entry


async def backups_command(*args: str) -> tuple[int, str]:
    """`python -m aggregation_svc.backups …` as an operator runs it: its exit code and what it printed."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aggregation_svc.backups", *args, cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


async def fetchval(url: str, sql: str) -> object:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def execute(url: str, sql: str) -> None:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_a_restored_backup_has_the_same_counts_and_checksums_A31_1(
    infra: Infra, database_factory: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    source = await database_factory("aggregation")
    await seed_centre(source, records=250)
    target = infra.database(f"t_aggregation_restore_{uuid.uuid4().hex[:12]}")
    try:
        code, out = await backups_command("backup", "--to", str(tmp_path), "--database-url", source)
        assert code == 0, out
        (dump_file,) = await asyncio.to_thread(lambda: list(tmp_path.glob("*.dump")))
        manifest = Manifest.from_json(service.manifest_file_of(dump_file).read_text())
        assert manifest.alembic_revision is not None
        assert manifest.tables["records"].rows == 250
        assert manifest.tables["record_history"].rows == 250
        assert manifest.tables["published_entries"].rows == 1
        assert manifest.tables["quarantined_rows"].rows == 1
        # The job queue is the service's work, not the centre's data: a restored centre runs none of its jobs.
        assert "jobs" not in manifest.tables

        code, out = await backups_command("restore", "--from", str(dump_file), "--to-database-url", target)
        assert code == 0, out
        assert "match the manifest" in out
        restored = await service.verify(target, manifest)
        assert restored.intact, restored.lines()
        assert await fetchval(target, "SELECT count(*) FROM jobs") == 0

        await execute(target, "DELETE FROM record_history WHERE row_number = 7")
        await execute(
            target, "UPDATE records SET data = jsonb_set(data, '{full_name}', '\"改\"') WHERE key LIKE '%05\"]'"
        )
        tampered = await service.verify(target, manifest)
        assert [d.table for d in tampered.differences] == ["record_history", "records"]
        code, out = await backups_command("verify", "--manifest", str(service.manifest_file_of(dump_file)),
                                          "--database-url", target)  # fmt: skip
        assert code == 1
        assert "record_history: 249 rows, expected 250" in out
        assert "records: checksum" in out
    finally:
        await infra.drop_database(target)


async def test_restore_refuses_a_database_that_is_not_empty_A31_1(
    database_factory: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    source = await database_factory("aggregation")
    made = await service.backup(source, tmp_path)
    code, out = await backups_command("restore", "--from", str(made.dump_file), "--to-database-url", source)
    assert code == 2
    assert "not empty" in out


async def test_restore_refuses_a_dump_its_manifest_does_not_describe_A31_1(
    infra: Infra, database_factory: Callable[[str], Awaitable[str]], tmp_path: Path
) -> None:
    made = await service.backup(await database_factory("aggregation"), tmp_path)
    with made.dump_file.open("ab") as f:
        f.write(b"\0")
    target = infra.database(f"t_aggregation_restore_{uuid.uuid4().hex[:12]}")
    code, out = await backups_command("restore", "--from", str(made.dump_file), "--to-database-url", target)
    assert code == 2
    assert "SHA-256" in out
