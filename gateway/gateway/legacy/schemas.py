"""Request and response bodies of the legacy-channel register."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class LegacyChannelIn(BaseModel):
    agency_id: uuid.UUID
    counterpart: str = Field(min_length=1, max_length=200, description="The system or agency at the other end.")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    region_code: str = Field(min_length=1, max_length=12)
    deadline: date = Field(description="When it must be integrated into the hub or shut down.")


class LegacyChannelChange(BaseModel):
    status: Literal["integrating", "integrated", "retired"]
    note: str | None = Field(default=None, max_length=2000)


class LegacyChannelOut(LegacyChannelIn):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    overdue: bool = False
    registered_by: str
    registered_at: datetime
    integrated_at: datetime | None
    note: str | None


class LegacyIndicator(BaseModel):
    """How far the region is from one exchange channel (A12.1)."""

    region_code: str
    total: int
    remaining: int
    overdue: int
    by_status: dict[str, int]
