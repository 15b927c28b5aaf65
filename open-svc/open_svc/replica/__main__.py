"""python -m open_svc.replica rebuild: empty the replica of open data and replay the open-records changelog from its
start into it. When an open-svc is running, its follower replays (woken by the reset) and this waits until it has
read every partition to its end; otherwise this replays itself. Exit 0 when rebuilt, 1 when the wait timed out."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db import create_engine, create_sessionmaker
from open_svc.replica import repository
from open_svc.replica.service import ReplicaFollower, request_rebuild
from open_svc.settings import Settings


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m open_svc.replica", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)
    rebuild_command = commands.add_parser("rebuild", help="empty the replica and replay the changelog from its start")
    rebuild_command.add_argument(
        "--wait-seconds", type=float, default=600.0, help="how long to wait for a running open-svc's follower"
    )
    return top


async def _replayed(sessionmaker: async_sessionmaker[AsyncSession]) -> bool:
    async with sessionmaker() as session:
        positions = await repository.positions(session)
    return bool(positions) and all(p.caught_up_at is not None for p in positions.values())


async def rebuild(settings: Settings, wait_seconds: float) -> tuple[int, int] | None:
    """Rebuild the replica; the records and entries it then holds, or None if the follower did not finish in time."""
    engine = create_engine(settings)
    sessionmaker = create_sessionmaker(engine)
    try:
        async with sessionmaker() as session, session.begin():
            await request_rebuild(session)
        if not await ReplicaFollower(settings, sessionmaker).lead(until_caught_up=True):
            deadline = time.monotonic() + wait_seconds
            while not await _replayed(sessionmaker):
                if time.monotonic() > deadline:
                    return None
                await asyncio.sleep(0.1)
        async with sessionmaker() as session:
            return await repository.totals(session)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    held = asyncio.run(rebuild(Settings(), args.wait_seconds))
    if held is None:
        print(f"the running follower had not replayed the changelog after {args.wait_seconds}s", file=sys.stderr)
        return 1
    print(f"replica rebuilt from the changelog: {held[0]} records of {held[1]} entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
