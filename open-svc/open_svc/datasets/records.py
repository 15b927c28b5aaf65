"""What the datasets read of the replica of open data (open_svc.replica): records projected on the items the
catalogue opens, and each dataset's record count and last update.

Records are read through the replica's repository, which serves only entries open-svc holds as open (A22.1, A38.1).
A record is shown as its entry's declared items, in their order: what the catalogue does not declare is not opened.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.catalog import DataItemSpec
from open_svc.replica.models import OpenRecord


@dataclass(frozen=True)
class ReplicaStats:
    """How many records the replica holds of a dataset, and when the last of them changed."""

    records: int = 0
    last_update: datetime | None = None


def project(items: Sequence[DataItemSpec], data: dict[str, Any]) -> dict[str, Any]:
    """A record as its entry's declared items, in declaration order (an item the record lacks is null)."""
    return {item.name: data.get(item.name) for item in items}


async def replica_stats(session: AsyncSession, entry_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ReplicaStats]:
    """Each dataset's record count and last update, in one pass over their records; the callers pass open entries
    only. (The replica's repository counts but keeps no update time: the count and the latest time come from the
    same scan here.)"""
    stats = {entry_id: ReplicaStats() for entry_id in entry_ids}
    if stats:
        query = (
            select(OpenRecord.entry_id, func.count(), func.max(OpenRecord.updated_at))
            .where(OpenRecord.entry_id.in_(list(stats)))
            .group_by(OpenRecord.entry_id)
        )
        for entry_id, records, last_update in await session.execute(query):
            stats[entry_id] = ReplicaStats(int(records), last_update)
    return stats
