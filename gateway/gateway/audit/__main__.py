"""`python -m gateway.audit verify [--published]`: recompute the audit chain in the gateway's database
(DATABASE_URL) and name every altered, removed or reordered record, and any anchor the chain contradicts (A36.1).
With --published, also every record and anchor published on the gateway.audit topic (KAFKA_BOOTSTRAP_SERVERS,
KAFKA_TOPIC_PREFIX): a copy outside the database, which catches a tail cut after the newest anchor. Exit 1 if
broken."""

from __future__ import annotations

import argparse
import asyncio
import sys

from gateway.audit.published import published_marks
from gateway.audit.service import verify
from gateway.settings import Settings
from hub.db import create_engine, create_sessionmaker


async def run_verify(settings: Settings, *, published: bool = False) -> int:
    # The topic is read first: a record appended meanwhile is then in the database, never only on the topic.
    marks = await published_marks(settings) if published else []
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            breaks = await verify(session, marks)
    finally:
        await engine.dispose()
    for chain_break in breaks:
        print(f"{chain_break.kind:16} seq {chain_break.seq}: {chain_break.detail}")
    print("audit chain intact" if not breaks else f"audit chain broken in {len(breaks)} place(s)")
    return 1 if breaks else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.audit", description=__doc__)
    parser.add_argument("command", choices=["verify"])
    parser.add_argument("--published", action="store_true", help="also compare with what the gateway.audit topic holds")
    args = parser.parse_args()
    return asyncio.run(run_verify(Settings(), published=args.published))


if __name__ == "__main__":
    sys.exit(main())
