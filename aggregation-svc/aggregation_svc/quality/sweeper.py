"""Takes quality snapshots of every live entry periodically, announcing entries that became stale (A25.1, A32.1).

Safe on several replicas: a run holds a transaction-level advisory lock, so runs never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI

from aggregation_svc.quality.service import take_snapshots

log = structlog.get_logger(__name__)
SNAPSHOT_INTERVAL_SECONDS = 3600.0


@contextlib.asynccontextmanager
async def quality_sweeper(app: FastAPI) -> AsyncIterator[None]:
    """Run the snapshots in the background for the app's lifetime."""

    async def snapshot_forever() -> None:
        while True:
            try:
                async with app.state.sessionmaker() as session, session.begin():
                    run = await take_snapshots(session, datetime.now(UTC))
                if run.newly_stale:
                    log.info("entries became stale", count=len(run.newly_stale))
            except Exception as exc:
                log.warning("quality snapshot failed; next interval retries", error=str(exc))
            await asyncio.sleep(SNAPSHOT_INTERVAL_SECONDS)

    task = asyncio.create_task(snapshot_forever(), name="quality-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
