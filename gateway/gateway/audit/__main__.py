"""`python -m gateway.audit verify`: recompute the audit chain in the gateway's database (DATABASE_URL) and name
every altered, removed or reordered record, and any anchor the chain contradicts (A36.1). Exit 1 if broken."""

from __future__ import annotations

import argparse
import asyncio
import sys

from gateway.audit.service import verify
from gateway.settings import Settings
from hub.db import create_engine, create_sessionmaker


async def run_verify(settings: Settings) -> int:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session:
            breaks = await verify(session)
    finally:
        await engine.dispose()
    for chain_break in breaks:
        print(f"{chain_break.kind:16} seq {chain_break.seq}: {chain_break.detail}")
    print("audit chain intact" if not breaks else f"audit chain broken in {len(breaks)} place(s)")
    return 1 if breaks else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.audit", description=__doc__)
    parser.add_argument("command", choices=["verify"])
    parser.parse_args()
    return asyncio.run(run_verify(Settings()))


if __name__ == "__main__":
    sys.exit(main())
