"""Request and response bodies of the authoritative-source register."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SourceIn(BaseModel):
    item_label: str = Field(min_length=1, max_length=100, description="e.g. 居民身份证号码")
    entry_code: str = Field(min_length=1, max_length=60)


class SourceOut(SourceIn):
    model_config = ConfigDict(from_attributes=True)

    agency_id: uuid.UUID
    registered_by: str
    registered_at: datetime
