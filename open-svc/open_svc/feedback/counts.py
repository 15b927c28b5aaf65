"""What error reports and objections say about the data (A26.1), for whoever weighs its quality (A25.1): counts per
dataset and per agency, read by other parts of open-svc (the quality score, the portal) without knowing the table.

`on_open_data=True` (the default) counts only reports made while the dataset was open: what the public sees of a
dataset's quality. Reports agencies made on shared data are counted with `on_open_data=False`.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.feedback import repository
from open_svc.feedback.models import FeedbackReport


@dataclass(frozen=True)
class ReportCounts:
    """Reports on one dataset or one agency's data: errors and objections, and how they stand."""

    errors: int = 0
    objections: int = 0
    unanswered: int = 0
    corrected: int = 0
    rejected: int = 0

    @property
    def total(self) -> int:
        return self.errors + self.objections


async def counts_per_entry(
    session: AsyncSession, entry_ids: Collection[uuid.UUID] | None = None, *, on_open_data: bool = True
) -> dict[uuid.UUID, ReportCounts]:
    """Counts per dataset (of `entry_ids`, or every dataset reported on); a dataset never reported on is absent."""
    rows = await repository.counts(session, FeedbackReport.entry_id, entry_ids, open_data_only=on_open_data)
    return {row[0]: ReportCounts(*row[1:]) for row in rows}


async def counts_per_agency(
    session: AsyncSession, agency_ids: Collection[uuid.UUID] | None = None, *, on_open_data: bool = True
) -> dict[uuid.UUID, ReportCounts]:
    """Counts per responsible agency (of `agency_ids`, or every agency reported on)."""
    rows = await repository.counts(session, FeedbackReport.agency_id, agency_ids, open_data_only=on_open_data)
    return {row[0]: ReportCounts(*row[1:]) for row in rows}
