"""Back the centre up, restore it, and verify a database against a backup's manifest (A31.1)."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from aggregation_svc.backups import pg_tools, snapshot
from aggregation_svc.backups.manifest import Manifest, Verdict, compare
from aggregation_svc.backups.pg_tools import BackupError
from hub.db import asyncpg_dsn
from hub.migrations import ensure_database


@dataclass(frozen=True)
class Backup:
    dump_file: Path
    manifest_file: Path
    manifest: Manifest


def manifest_file_of(dump_file: Path) -> Path:
    """The manifest that goes with a dump: <timestamp>.json beside <timestamp>.dump."""
    return dump_file.with_suffix(".json")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def new_dump_file(to_dir: Path, taken_at: datetime) -> Path:
    """DIR/<timestamp>.dump, which must not exist yet (a backup never overwrites another). A DIR made here is the
    service's alone (mode 0700): dumps hold the centre's personal data."""
    to_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    dump_file = to_dir / f"{taken_at.strftime('%Y%m%dT%H%M%S%fZ')}.dump"
    if dump_file.exists():
        raise BackupError(f"{dump_file} exists already")
    return dump_file


async def backup(
    database_url: str, to_dir: Path, *, now: datetime | None = None, on_table: snapshot.OnTable | None = None
) -> Backup:
    """Dump the database into DIR/<timestamp>.dump and write its manifest beside it; `on_table` is told the tables
    counted so far and in all, as the figures are taken.

    The figures and the dump are taken from one snapshot (exported from a repeatable-read transaction and handed to
    pg_dump), so writes going on meanwhile cannot make them disagree. The work tables' rows are in neither.
    """
    taken_at = now or datetime.now(UTC)
    dump_file = new_dump_file(to_dir, taken_at)
    conn = await snapshot.connect(asyncpg_dsn(database_url))
    try:
        await pg_tools.require_matching_version("pg_dump", await snapshot.server_major_version(conn))
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            exported = await conn.fetchval("SELECT pg_export_snapshot()")
            if on_table is not None:
                await on_table(0, len(await snapshot.data_tables(conn)))
            await pg_tools.dump(database_url, exported, dump_file, without_data_of=snapshot.WORK_TABLES)
            tables = await snapshot.table_figures(conn, on_table)
            revision = await snapshot.alembic_revision(conn)
    except BaseException:
        # A backup that did not finish leaves no dump without its manifest, which could pass for one.
        dump_file.unlink(missing_ok=True)
        raise
    finally:
        await conn.close()
    manifest = Manifest(
        database=make_url(database_url).database or "",
        alembic_revision=revision,
        taken_at=taken_at,
        tables=tables,
        dump_file=dump_file.name,
        dump_sha256=await asyncio.to_thread(file_sha256, dump_file),
    )
    manifest_file = manifest_file_of(dump_file)
    manifest_file.write_text(manifest.to_json())
    return Backup(dump_file, manifest_file, manifest)


async def verify(database_url: str, manifest: Manifest) -> Verdict:
    """Compare a live database's row counts, checksums and migration with a manifest."""
    conn = await snapshot.connect(asyncpg_dsn(database_url))
    try:
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            return compare(manifest, await snapshot.table_figures(conn), await snapshot.alembic_revision(conn))
    finally:
        await conn.close()


async def restore(dump_file: Path, database_url: str) -> Verdict:
    """Restore a dump into an empty database (created if missing), then verify it against the dump's manifest."""
    manifest = Manifest.from_json(manifest_file_of(dump_file).read_text())
    if manifest.dump_sha256 and await asyncio.to_thread(file_sha256, dump_file) != manifest.dump_sha256:
        raise BackupError(f"{dump_file} is not the file its manifest describes (SHA-256 differs): not restored")
    await ensure_database(database_url)
    conn = await snapshot.connect(asyncpg_dsn(database_url))
    try:
        existing = await snapshot.table_names(conn)
        if existing:
            raise BackupError(f"the target database is not empty ({len(existing)} tables): restore into a new one")
        await pg_tools.require_matching_version("pg_restore", await snapshot.server_major_version(conn))
    finally:
        await conn.close()
    await pg_tools.restore(dump_file, database_url)
    return await verify(database_url, manifest)
