"""The manifest and its comparison with a database's figures, without a database (A31.1)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from aggregation_svc.backups.manifest import Manifest, TableFigures, checksum_query, compare
from aggregation_svc.backups.pg_tools import BackupError, libpq_target, tool_major_version


def manifest(**tables: TableFigures) -> Manifest:
    return Manifest(database="agg", alembic_revision="0002", taken_at=datetime(2025, 1, 2, tzinfo=UTC), tables=tables)


def test_manifest_survives_its_json() -> None:
    written = manifest(records=TableFigures(3, "a" * 32), batches=TableFigures(0, "b" * 32))
    assert Manifest.from_json(written.to_json()) == written


def test_manifest_of_another_format_is_refused() -> None:
    with pytest.raises(ValueError, match="format"):
        Manifest.from_json(manifest().to_json().replace('"format": 1', '"format": 9'))


def test_same_figures_and_revision_are_intact_A31_1() -> None:
    verdict = compare(manifest(records=TableFigures(3, "x")), {"records": TableFigures(3, "x")}, "0002")
    assert verdict.intact
    assert verdict.lines() == []


def test_each_differing_table_is_named_A31_1() -> None:
    expected = manifest(
        records=TableFigures(3, "x"),
        batches=TableFigures(1, "y"),
        consents=TableFigures(2, "z"),
        inbox=TableFigures(0, "e"),
    )
    found = {"records": TableFigures(2, "w"), "batches": TableFigures(1, "changed"), "inbox": TableFigures(0, "e"),
             "extra": TableFigures(5, "v")}  # fmt: skip
    verdict = compare(expected, found, "0002")
    assert not verdict.intact
    assert [d.table for d in verdict.differences] == ["batches", "consents", "extra", "records"]
    assert verdict.lines() == [
        "batches: checksum changed, expected y (same row count)",
        "consents: missing (expected 2 rows)",
        "extra: not in the manifest (5 rows)",
        "records: 2 rows, expected 3",
    ]


def test_another_migration_is_a_difference() -> None:
    verdict = compare(manifest(), {}, "0003")
    assert not verdict.intact
    assert verdict.lines() == ["alembic revision '0003', expected '0002'"]


def test_checksum_query_quotes_the_table() -> None:
    query = checksum_query("public", 'odd"name')
    assert 'FROM "public"."odd""name" AS t' in query
    assert 'ORDER BY h COLLATE "C"' in query


def test_the_password_stays_off_the_command_line() -> None:
    dsn, env = libpq_target("postgresql+asyncpg://hub:s3cret@127.0.0.1:5432/agg")
    assert dsn == "postgresql://hub@127.0.0.1:5432/agg"
    assert env == {"PGPASSWORD": "s3cret"}
    assert libpq_target("postgresql://hub@127.0.0.1:5432/agg")[1] == {}


def test_tool_version_is_read() -> None:
    assert tool_major_version("pg_dump (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)") == 15
    with pytest.raises(BackupError):
        tool_major_version("nonsense")
