"""python -m aggregation_svc.changelog republish: every open entry holding records publishes all of them again on
`aggregation.open-records` (after the centre's database was restored from a backup, or the topic was lost). The
running service's relay does the publishing; this only notes the work, in one transaction."""

from __future__ import annotations

import argparse
import asyncio
import sys

from aggregation_svc.changelog import repository
from aggregation_svc.settings import Settings
from hub.db import create_engine, create_sessionmaker


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m aggregation_svc.changelog", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    commands.add_parser("republish", help="note every open entry holding records for the relay to publish again")
    return top


async def republish(settings: Settings) -> int:
    """Note every open entry holding records, whole; how many."""
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            return await repository.note_open_entries(session)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser().parse_args(argv)
    entries = asyncio.run(republish(Settings()))
    print(f"{entries} open entries noted: the relay of a running aggregation-svc publishes their records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
