"""Flags overdue change notices periodically (A14.2); safe on several replicas (rows are claimed SKIP LOCKED)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.deadlines.service import flag_overdue
from hub.periodic import every

log = structlog.get_logger(__name__)
SWEEP_INTERVAL_SECONDS = 600.0


async def flag_overdue_today(app: FastAPI, session: AsyncSession) -> None:
    """Flag the notices overdue as of today in the hub's time zone."""
    flagged = await flag_overdue(session, datetime.now(ZoneInfo(app.state.settings.timezone)).date())
    if flagged:
        log.info("change notices overdue", count=len(flagged))


overdue_sweeper = every("overdue-sweeper", SWEEP_INTERVAL_SECONDS, flag_overdue_today)
