"""Init container of every service's Deployment: wait until the service's database is at its newest migration.

The service's migration Job (`hub-container migrate NAME`) brings the database there; a pod started before it is
done waits here instead of starting against missing tables, so the Deployments follow the Jobs whatever the order
they were applied in. Runs under the image's entry point (`hub-container python THIS`), which has set
DATABASE_PASSWORD from DATABASE_PASSWORD_FILE. Needs HUB_SERVICE and DATABASE_URL.

Exits 0 once the database is at head; 1 after HUB_MIGRATION_WAIT_SECONDS (default 900), so the kubelet starts it
again with a back-off and the pod's events show that it waits.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from hub.db import async_url
from hub.mesh import load_mesh
from hub.migrations import current_revision, head_revision


def database_url(env: Mapping[str, str]) -> str:
    """DATABASE_URL with DATABASE_PASSWORD put in (a URL's own password wins: it was given on purpose)."""
    url = make_url(env["DATABASE_URL"])
    if env.get("DATABASE_PASSWORD") and not url.password:
        url = url.set(password=env["DATABASE_PASSWORD"])
    return url.render_as_string(hide_password=False)


def newest_revision(service: str) -> str | None:
    """The head of the service's migrations folder, beside its package (as hub-container migrate finds it)."""
    package = importlib.import_module(load_mesh().service(service).package)
    assert package.__file__
    return head_revision(Path(package.__file__).parent / "migrations")


async def database_revision(url: str) -> str | None:
    """The revision the database is at (None before the first migration)."""
    engine = create_async_engine(async_url(url))
    try:
        async with engine.connect() as conn:
            return await current_revision(conn)
    finally:
        await engine.dispose()


async def wait(url: str, head: str | None, seconds: float, interval: float = 2.0) -> bool:
    """Whether the database reached `head` within `seconds`; an unreachable server counts as not yet."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            current = await database_revision(url)
        except Exception as exc:  # no server, role or database yet: not there yet
            reason = f"database not reachable: {type(exc).__name__}: {exc}"
        else:
            if current == head:
                return True
            reason = f"database at {current}, migrations at {head}"
        if time.monotonic() >= deadline:
            print(f"gave up waiting: {reason}", file=sys.stderr, flush=True)
            return False
        print(f"waiting for the migration Job: {reason}", flush=True)
        await asyncio.sleep(interval)


def main(env: Mapping[str, str]) -> int:
    service = env["HUB_SERVICE"]
    head = newest_revision(service)
    seconds = float(env.get("HUB_MIGRATION_WAIT_SECONDS", "900"))
    if not asyncio.run(wait(database_url(env), head, seconds)):
        return 1
    print(f"{service}: database at its newest migration ({head})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(os.environ))
