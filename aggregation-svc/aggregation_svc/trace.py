"""python -m aggregation_svc.trace FILE --entry ENTRY_ID [--json] — which grant a leaked file came from (A21.1).

Reads the file (CSV, NDJSON, or JSON: a page of the delivery API or an array of records), the entry's data items
from the centre's read model of the catalogue and the fingerprint keys of every grant of the entry from the centre's
database (the service's DATABASE_URL setting, or --database-url), and prints the verdict with its evidence. Exit 0: a
grant is named; 1: no grant is; 2: the trace could not run (unreadable file, unknown entry, no database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import create_async_engine

from aggregation_svc.entries.models import PublishedEntry
from aggregation_svc.fingerprint.tracer import Verdict, read_rows, trace
from aggregation_svc.grants.models import Grant
from aggregation_svc.settings import Settings
from hub.contracts.catalog import DataItemSpec
from hub.db import async_url


@dataclass(frozen=True)
class EntryGrants:
    """What the tracer needs of the centre: the entry's items and its grants with their keys and consumers."""

    name: str
    items: tuple[DataItemSpec, ...]
    keys: list[tuple[uuid.UUID, bytes]]
    consumers: dict[uuid.UUID, uuid.UUID | None]


async def entry_grants(database_url: str, entry_id: uuid.UUID) -> EntryGrants:
    """The entry's items and every grant of it the centre has heard of, revoked and expired ones included: a file
    may have leaked while its grant was live."""
    engine = create_async_engine(async_url(database_url), pool_size=1)
    try:
        async with engine.connect() as connection:
            entry = (await connection.execute(
                select(PublishedEntry.name, PublishedEntry.items).where(PublishedEntry.entry_id == entry_id)
            )).first()  # fmt: skip
            if entry is None:
                raise LookupError(f"the centre knows no published entry {entry_id}")
            grants = (await connection.execute(
                select(Grant.grant_id, Grant.consumer_agency_id, Grant.fingerprint_key)
                # A grant known only by an early revocation (never issued here) delivered nothing.
                .where(Grant.entry_id == entry_id, Grant.issued_at.is_not(None))
                .order_by(Grant.grant_id)
            )).all()  # fmt: skip
    finally:
        await engine.dispose()
    return EntryGrants(
        name=entry.name, items=tuple(entry.items), keys=[(g.grant_id, bytes(g.fingerprint_key)) for g in grants],
        consumers={g.grant_id: g.consumer_agency_id for g in grants},
    )  # fmt: skip


def bound_text(log10_bound: float) -> str:
    """A probability given as its log10, written so that bounds far below a float's range still read."""
    if log10_bound >= -4:
        return f"{10**log10_bound:.4f}"
    return f"10^{math.floor(log10_bound)}" if log10_bound < -300 else f"{10**log10_bound:.1e}"


def text_report(path: Path, rows: int, entry_id: uuid.UUID, known: EntryGrants, verdict: Verdict) -> str:
    columns = ", ".join(f"{name} ({kind})" for name, kind in verdict.columns.items()) or "none"
    lines = [
        f"file: {path} ({rows} rows)",
        f"entry: {entry_id} {known.name}, {verdict.grants} grants",
        f"columns that may carry the mark: {columns}",
        f"values read: {verdict.values_read}; cells examined (distinct markable values): {verdict.cells}",
    ]
    if verdict.best is not None:
        lines.append(f"chance that a cell matches a grant the file is not from: {verdict.chance_rate:.3f}")
        lines.append(f"best: grant {verdict.best.grant_id}, {verdict.best.matches}/{verdict.cells} cells match")
        if verdict.runner_up is not None:
            lines.append(f"runner-up: grant {verdict.runner_up.grant_id}, {verdict.runner_up.matches}/{verdict.cells}")
        lines.append(
            f"false-alarm probability at most {bound_text(verdict.log10_false_alarm_bound)} "
            f"(a grant is named only below {verdict.alpha:g})"
        )
        others = [str(g) for g in verdict.significant if g != verdict.grant_id]
        if others:
            lines.append(f"also beyond chance (mixed deliveries?): {', '.join(others)}")
    if verdict.grant_id is None:
        lines.append(f"verdict: {verdict.reason}")
    else:
        consumer = known.consumers.get(verdict.grant_id)
        lines.append(f"verdict: grant {verdict.grant_id} of consumer agency {consumer}")
    return "\n".join(lines)


def json_report(path: Path, rows: int, entry_id: uuid.UUID, known: EntryGrants, verdict: Verdict) -> str:
    consumer = None if verdict.grant_id is None else known.consumers.get(verdict.grant_id)
    document: dict[str, Any] = {
        "file": str(path), "rows": rows, "entry_id": str(entry_id), **verdict.as_dict(),
        "consumer_agency_id": None if consumer is None else str(consumer),
    }  # fmt: skip
    return json.dumps(document, ensure_ascii=False, indent=2)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m aggregation_svc.trace", description=__doc__)
    top.add_argument("file", type=Path, metavar="FILE", help="the leaked file: .csv, .ndjson/.jsonl or .json")
    top.add_argument("--entry", type=uuid.UUID, required=True, metavar="ENTRY_ID", help="the entry it holds data of")
    top.add_argument("--json", action="store_true", help="print the verdict as JSON")
    top.add_argument("--database-url", help="default: the service's DATABASE_URL")
    return top


async def run(args: argparse.Namespace) -> int:
    rows = read_rows(args.file)
    known = await entry_grants(args.database_url or Settings().database_url, args.entry)
    verdict = trace(rows, known.items, known.keys)
    report = json_report if args.json else text_report
    print(report(args.file, len(rows), args.entry, known, verdict))
    return 0 if verdict.grant_id is not None else 1


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return asyncio.run(run(args))
    except (LookupError, OSError, ValueError, SQLAlchemyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
