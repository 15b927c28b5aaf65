"""Takes quality snapshots of every live entry periodically, announcing entries that became stale (A25.1, A32.1).

Safe on several replicas: a run holds a transaction-level advisory lock, so runs never overlap.
"""

from __future__ import annotations

from datetime import UTC, datetime

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.quality.service import take_snapshots
from hub.periodic import every

log = structlog.get_logger(__name__)
SNAPSHOT_INTERVAL_SECONDS = 3600.0


async def snapshot_now(app: FastAPI, session: AsyncSession) -> None:
    """Measure every live entry now."""
    run = await take_snapshots(session, datetime.now(UTC))
    if run.newly_stale:
        log.info("entries became stale", count=len(run.newly_stale))


quality_sweeper = every("quality-sweeper", SNAPSHOT_INTERVAL_SECONDS, snapshot_now)
