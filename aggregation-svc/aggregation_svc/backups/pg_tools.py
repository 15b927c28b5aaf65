"""pg_dump and pg_restore, the only processes backups start. Found in $PG_BIN (default PostgreSQL 15's folder)."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.engine import URL, make_url

DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin"


class BackupError(RuntimeError):
    """A backup, restore or verification could not be carried out (not: a restored copy differs)."""


def pg_bin() -> Path:
    return Path(os.environ.get("PG_BIN", DEFAULT_PG_BIN))


def libpq_target(database_url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URL for the tools, without the password, which goes in PGPASSWORD (not on `ps`)."""
    url = make_url(database_url)
    env = {"PGPASSWORD": url.password} if url.password else {}
    bare = URL.create("postgresql", url.username, None, url.host, url.port, url.database, url.query)
    dsn = bare.render_as_string(hide_password=False)
    return dsn, env


def tool_major_version(version_output: str) -> int:
    """15 from 'pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)'."""
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", version_output)
    if match is None:
        raise BackupError(f"cannot read a PostgreSQL version from {version_output!r}")
    return int(match.group(1))


async def _run(tool: str, *args: str, env: dict[str, str] | None = None) -> str:
    binary = pg_bin() / tool
    if not binary.exists():
        raise BackupError(f"{binary} not found: install the PostgreSQL client of the server's version or set PG_BIN")
    process = await asyncio.create_subprocess_exec(
        str(binary),
        *args,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await process.communicate()
    except asyncio.CancelledError:
        # The service is stopping (or the job was abandoned): the tool must not run on, orphaned.
        process.kill()
        await process.wait()
        raise
    if process.returncode != 0:
        raise BackupError(f"{tool} failed ({process.returncode}): {err.decode(errors='replace').strip()}")
    return out.decode(errors="replace")


async def require_matching_version(tool: str, server_major: int) -> None:
    """A dump by an older pg_dump than the server's may be incomplete; pg_dump itself refuses some, not all."""
    client_major = tool_major_version(await _run(tool, "--version"))
    if client_major < server_major:
        raise BackupError(f"{tool} is version {client_major}, the server {server_major}: set PG_BIN to a newer one")


async def dump(database_url: str, snapshot: str, target: Path, *, without_data_of: Sequence[str] = ()) -> None:
    """pg_dump -Fc of the database as the exported snapshot sees it, so the dump matches the manifest's figures;
    the tables `without_data_of` (of the public schema) are dumped empty."""
    dsn, env = libpq_target(database_url)
    excluded = [f"--exclude-table-data=public.{name}" for name in without_data_of]
    await _run("pg_dump", "--format=custom", f"--snapshot={snapshot}", *excluded, f"--file={target}",
               f"--dbname={dsn}", env=env)  # fmt: skip


async def restore(dump_file: Path, database_url: str) -> None:
    """pg_restore into an empty database; roles of the source need not exist here (--no-owner)."""
    dsn, env = libpq_target(database_url)
    await _run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={dsn}", str(dump_file), env=env)
