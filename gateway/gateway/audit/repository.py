"""Every query of the audit domain."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.audit.models import AuditAnchor, AuditRecord
from hub.regions import is_city, region_contains

COLUMNS = [c.name for c in AuditRecord.__table__.columns]


def visible_to(inspector_region: str, record_region: str | None) -> bool:
    """An inspector reads the records of its region and those inside it; callers with no region (the public)
    belong to the city (A4.1)."""
    if record_region is None:
        return is_city(inspector_region)
    return region_contains(inspector_region, record_region)


async def records(
    session: AsyncSession, first: int, last: int | None, *, region: str | None = None, kind: str | None = None,
    batch: int = 5000,
) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
    """Records with first ≤ seq ≤ last in chain order, streamed in batches so memory stays flat."""
    cursor = first - 1
    while True:
        query = select(AuditRecord.__table__).where(AuditRecord.seq > cursor).order_by(AuditRecord.seq).limit(batch)
        if last is not None:
            query = query.where(AuditRecord.seq <= last)
        if kind:
            query = query.where(AuditRecord.kind == kind)
        rows = (await session.execute(query)).mappings().all()
        for row in rows:
            if region is None or visible_to(region, row["region_code"]):
                yield dict(row)
        if len(rows) < batch:
            return
        cursor = rows[-1]["seq"]


async def hash_before(session: AsyncSession, seq: int) -> str | None:
    """The hash of the record just before `seq` (where a verified range starts from)."""
    return (await session.execute(select(AuditRecord.hash).where(AuditRecord.seq == seq - 1))).scalar()


async def anchors(session: AsyncSession) -> Sequence[AuditAnchor]:
    return (await session.execute(select(AuditAnchor).order_by(AuditAnchor.seq))).scalars().all()
