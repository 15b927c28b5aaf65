"""Request and response bodies of data keys and of the keyed records of conditional open data (A24.3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class KeyOut(BaseModel):
    """A data key as listed: never the key itself, only its first characters."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    entry_id: uuid.UUID
    holder: str
    items: list[str]
    hint: str = Field(description="The key's first characters, to tell keys apart.")
    issued_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None


class KeyIssued(KeyOut):
    data_key: str = Field(description="Shown once; only its digest is kept. Send it as X-Open-Data-Key.")


class RevokeIn(BaseModel):
    reason: str | None = Field(default=None, max_length=1000)


class KeyedRecord(BaseModel):
    key: str
    data: dict[str, Any] = Field(description="The record's approved items only.")


class KeyedRecords(BaseModel):
    entry_id: uuid.UUID
    items: list[str] = Field(description="The items the key opens (approved, and still items of the dataset).")
    records: list[KeyedRecord]
    next: str | None = Field(description="The cursor of the next page (`after`), or null on the last page.")
