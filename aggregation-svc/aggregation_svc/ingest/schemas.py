"""Responses of ingest: a batch's report, with its quarantined rows a page at a time."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

# How a push's rows change the records they find by key (A17.1), see `aggregation_svc.ingest.service`: `replace`,
# a row is the whole record; `merge`, a row sets the items it names and the record keeps the others.
IngestMode = Literal["replace", "merge"]


class RowProblem(BaseModel):
    """Why a row was set aside: the field, the reason, the rule (A17.1 validation, A16.1 consent)."""

    field: str
    reason: str
    requirement: str


class QuarantinedRowOut(BaseModel):
    row: int
    problems: list[RowProblem]
    raw: str


class BatchReport(BaseModel):
    """What became of a batch: counts, and its quarantined rows from `?after=` on (A17.1)."""

    entry_id: uuid.UUID
    batch_id: str
    agency_id: uuid.UUID
    submitted_by: str
    channel: str
    format: str
    mode: IngestMode = "replace"
    status: str
    entry_version: int | None
    received: int
    stored: int
    inserted: int
    updated: int
    quarantined: int
    content_sha256: str | None
    started_at: datetime
    finished_at: datetime | None
    # Set once the quarantined rows' retention ended and they were deleted (A38.1): `quarantine` is empty then.
    quarantine_purged_at: datetime | None = None
    refusal: dict[str, Any] | None
    replayed: bool = False
    quarantine: list[QuarantinedRowOut]
    next_quarantine_after: int | None
