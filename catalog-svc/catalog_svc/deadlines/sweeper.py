"""Flags overdue change notices periodically (A14.2); safe on several replicas (rows are claimed SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI

from catalog_svc.deadlines.service import flag_overdue

log = structlog.get_logger(__name__)
SWEEP_INTERVAL_SECONDS = 600.0


@contextlib.asynccontextmanager
async def overdue_sweeper(app: FastAPI) -> AsyncIterator[None]:
    """Run the sweep in the background for the app's lifetime."""

    async def sweep_forever() -> None:
        while True:
            try:
                today = datetime.now(ZoneInfo(app.state.settings.timezone)).date()
                async with app.state.sessionmaker() as session, session.begin():
                    flagged = await flag_overdue(session, today)
                if flagged:
                    log.info("change notices overdue", count=len(flagged))
            except Exception as exc:
                log.warning("overdue sweep failed; next interval retries", error=str(exc))
            await asyncio.sleep(SWEEP_INTERVAL_SECONDS)

    task = asyncio.create_task(sweep_forever(), name="overdue-sweeper")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
