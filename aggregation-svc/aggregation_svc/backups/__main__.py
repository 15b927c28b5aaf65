"""python -m aggregation_svc.backups backup|restore|verify — see `--help`. Exit 0 intact, 1 differs, 2 failed."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aggregation_svc.backups import service
from aggregation_svc.backups.manifest import Manifest, Verdict
from aggregation_svc.backups.pg_tools import BackupError
from aggregation_svc.settings import Settings


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m aggregation_svc.backups", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    backup = commands.add_parser("backup", help="dump the centre's database with a manifest of counts and checksums")
    backup.add_argument("--to", type=Path, required=True, metavar="DIR", help="folder for <timestamp>.dump/.json")
    backup.add_argument("--database-url", help="default: the service's DATABASE_URL")
    restore = commands.add_parser("restore", help="restore a dump into an empty database and verify it")
    restore.add_argument("--from", dest="dump_file", type=Path, required=True, metavar="FILE", help="a .dump")
    restore.add_argument("--to-database-url", required=True, metavar="URL", help="an empty or missing database")
    verify = commands.add_parser("verify", help="compare a live database with a manifest")
    verify.add_argument("--manifest", type=Path, required=True, metavar="FILE", help="a backup's .json")
    verify.add_argument("--database-url", help="default: the service's DATABASE_URL")
    return top


def report(verdict: Verdict, what: str) -> int:
    if verdict.intact:
        print(f"{what}: every table's row count and checksum match the manifest")
        return 0
    print(f"{what}: differs from the manifest", file=sys.stderr)
    for line in verdict.lines():
        print(f"  {line}", file=sys.stderr)
    return 1


async def run(args: argparse.Namespace) -> int:
    if args.command == "backup":
        made = await service.backup(args.database_url or Settings().database_url, args.to)
        rows = sum(t.rows for t in made.manifest.tables.values())
        print(f"backed up {len(made.manifest.tables)} tables, {rows} rows: {made.dump_file} ({made.manifest_file})")
        return 0
    if args.command == "restore":
        return report(await service.restore(args.dump_file, args.to_database_url), "restored database")
    manifest = Manifest.from_json(args.manifest.read_text())
    return report(await service.verify(args.database_url or Settings().database_url, manifest), "database")


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except (BackupError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
