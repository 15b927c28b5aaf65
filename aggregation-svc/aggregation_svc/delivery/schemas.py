"""Responses of delivery."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class RecordsPage(BaseModel):
    """One page of an entry's records, projected to `items`; pass `next_cursor` as `cursor` for the next."""

    entry_id: uuid.UUID
    entry_version: int
    items: list[str]
    records: list[dict[str, Any]]
    next_cursor: str | None


class ChangeOut(BaseModel):
    model_config = {"from_attributes": True}

    operation: str
    version: int
    batch_id: str | None
    row_number: int | None
    agency_id: uuid.UUID
    consent_id: uuid.UUID | None
    recorded_at: datetime


class RecordHistory(BaseModel):
    """One record's current state and every change to it: which batch, which agency, when (A17.1, A36.1)."""

    entry_id: uuid.UUID
    key: str
    current: dict[str, Any] | None
    changes: list[ChangeOut]
