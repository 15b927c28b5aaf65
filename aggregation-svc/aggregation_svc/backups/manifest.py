"""What a backup promises: per table, its row count and checksum; and how a database is compared with it (A31.1).

Pure: no database, no files beyond JSON text. The checksum itself is computed in SQL (see `checksum_query`), so a
table is never read into Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

FORMAT = 1


@dataclass(frozen=True)
class TableFigures:
    """A table's row count and the checksum of its rows."""

    rows: int
    checksum: str


@dataclass(frozen=True)
class Manifest:
    """The figures of a database at the moment its dump was taken, and which dump that is."""

    database: str
    alembic_revision: str | None
    taken_at: datetime
    tables: dict[str, TableFigures]
    dump_file: str = ""
    dump_sha256: str = ""
    format: int = FORMAT

    def to_json(self) -> str:
        body: dict[str, Any] = {
            "format": self.format,
            "database": self.database,
            "alembic_revision": self.alembic_revision,
            "taken_at": self.taken_at.isoformat(),
            "dump_file": self.dump_file,
            "dump_sha256": self.dump_sha256,
            "tables": {name: {"rows": t.rows, "checksum": t.checksum} for name, t in sorted(self.tables.items())},
        }
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        body = json.loads(text)
        if body.get("format") != FORMAT:
            raise ValueError(f"unknown manifest format {body.get('format')!r} (this version reads {FORMAT})")
        return cls(
            database=body["database"],
            alembic_revision=body["alembic_revision"],
            taken_at=datetime.fromisoformat(body["taken_at"]),
            tables={name: TableFigures(int(t["rows"]), str(t["checksum"])) for name, t in body["tables"].items()},
            dump_file=body.get("dump_file", ""),
            dump_sha256=body.get("dump_sha256", ""),
        )


@dataclass(frozen=True)
class TableDifference:
    """A table whose figures in a database are not the manifest's; None where the table is missing on one side."""

    table: str
    expected: TableFigures | None
    found: TableFigures | None

    def describe(self) -> str:
        if self.found is None:
            return f"{self.table}: missing (expected {self.expected.rows if self.expected else 0} rows)"
        if self.expected is None:
            return f"{self.table}: not in the manifest ({self.found.rows} rows)"
        if self.expected.rows != self.found.rows:
            return f"{self.table}: {self.found.rows} rows, expected {self.expected.rows}"
        return f"{self.table}: checksum {self.found.checksum}, expected {self.expected.checksum} (same row count)"


@dataclass(frozen=True)
class Verdict:
    """The outcome of comparing a database with a manifest."""

    differences: list[TableDifference] = field(default_factory=list)
    revision_expected: str | None = None
    revision_found: str | None = None

    @property
    def intact(self) -> bool:
        return not self.differences and self.revision_expected == self.revision_found

    def lines(self) -> list[str]:
        found = [d.describe() for d in self.differences]
        if self.revision_expected != self.revision_found:
            found.append(f"alembic revision {self.revision_found!r}, expected {self.revision_expected!r}")
        return found


def compare(manifest: Manifest, tables: Mapping[str, TableFigures], revision: str | None) -> Verdict:
    """Every table whose count or checksum differs from the manifest, or that one side lacks, in name order."""
    differences = [
        TableDifference(name, manifest.tables.get(name), tables.get(name))
        for name in sorted(manifest.tables.keys() | tables.keys())
        if manifest.tables.get(name) != tables.get(name)
    ]
    return Verdict(differences, manifest.alembic_revision, revision)


def quote_identifier(name: str) -> str:
    """An identifier quoted as PostgreSQL does (table names come from the catalog, never from users)."""
    return '"' + name.replace('"', '""') + '"'


_CHECKSUM_OF_HASHES = (
    "SELECT count(*) AS rows, md5(coalesce(string_agg(h, '' ORDER BY h COLLATE \"C\"), '')) AS checksum "
    "FROM (:hashes) AS hashed"
)


def checksum_query(schema: str, table: str) -> str:
    """SQL answering (rows, checksum) of one table: md5 over the sorted md5s of its rows' text.

    The row hashes are sorted (bytewise, COLLATE "C") rather than the rows by primary key: the checksum needs no
    key (any table has one), and cannot change with the collation of the server a dump is restored on. The row text
    depends on the session's TimeZone, DateStyle and extra_float_digits, which `snapshot` pins.
    """
    relation = f"{quote_identifier(schema)}.{quote_identifier(table)}"
    hashes = f"SELECT md5(t::text) AS h FROM {relation} AS t"  # noqa: S608 - quoted identifiers from pg_tables
    return _CHECKSUM_OF_HASHES.replace(":hashes", hashes)
