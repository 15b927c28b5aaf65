"""The end of quarantined rows' retention (A38.1): their text, which may hold personal data, is deleted once the
configured number of days has passed since their batch; the batch keeps its counts and notes when.

Safe on several replicas: a batch's rows are purged by the one transaction that marks it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.ingest import repository
from aggregation_svc.settings import Settings
from hub.periodic import every

log = structlog.get_logger(__name__)
RETENTION_INTERVAL_SECONDS = 3600.0


def retention_cutoff(now: datetime, retention_days: int) -> datetime:
    """Batches finished before this have outlived their quarantined rows' retention (A38.1)."""
    return now - timedelta(days=retention_days)


async def purge_expired_quarantine(app: FastAPI, session: AsyncSession) -> None:
    """Delete the quarantined rows whose retention has ended."""
    settings: Settings = app.state.settings
    now = datetime.now(UTC)
    deleted = await repository.purge_quarantine(session, retention_cutoff(now, settings.quarantine_retention_days), now)
    if deleted:
        log.info("quarantined rows past their retention deleted", rows=deleted)


quarantine_retention = every("quarantine-retention", RETENTION_INTERVAL_SECONDS, purge_expired_quarantine)
