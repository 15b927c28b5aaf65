"""Responses of the base databases view (A18.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class BaseEntryOut(BaseModel):
    """A live catalogue entry of a base database, with what the centre holds of it."""

    entry_id: uuid.UUID
    code: str
    name: str
    agency_id: uuid.UUID
    region_code: str
    update_cycle: str
    records: int
    last_ingested_at: datetime | None


class BaseDatabaseOut(BaseModel):
    """One of the five base databases (基础库): its entries, record count and freshness (latest ingest)."""

    name: str
    label: str
    entries: list[BaseEntryOut]
    records: int
    last_ingested_at: datetime | None
