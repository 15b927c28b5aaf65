"""Put events the broker refused for good back in a service's outbox once the cause is fixed (A29.1).

    python -m hub.outbox_requeue --database-url postgresql://…/hub_catalog            # every dead letter
    python -m hub.outbox_requeue --database-url postgresql://…/hub_catalog EVENT_ID…  # only these

The relay set them aside in outbox_dead_letters (hub.outbox), with the refusal in their `error` column; the
`HubOutboxDeadLetters` alert says which service holds some. Requeued events go behind those waiting, and a refusal
that still holds sets them aside again.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import create_async_engine

from hub.db import async_url
from hub.outbox import requeue_dead_letters


async def requeue(database_url: str, event_ids: Sequence[uuid.UUID]) -> int:
    """Requeue the service database's dead letters (those of `event_ids`, or all): how many were put back."""
    engine = create_async_engine(async_url(database_url))
    try:
        return await requeue_dead_letters(engine, event_ids)
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> None:
    """Requeue and say how many."""
    parser = argparse.ArgumentParser(prog="python -m hub.outbox_requeue", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the service's database")
    parser.add_argument("event_ids", nargs="*", type=uuid.UUID, metavar="EVENT_ID", help="only these events")
    args = parser.parse_args(argv)
    print(f"{asyncio.run(requeue(args.database_url, args.event_ids))} events put back in the outbox")


if __name__ == "__main__":
    main()
