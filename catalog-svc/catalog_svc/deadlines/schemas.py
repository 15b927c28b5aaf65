"""Request and response bodies of change notices."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class NoticeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="Which elements or duties changed.")


class NoticeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    entry_id: uuid.UUID
    agency_id: uuid.UUID
    region_code: str
    reason: str
    opened_on: date
    due_on: date
    state: str
    met_on: date | None
    met_late: bool
