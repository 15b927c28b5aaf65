"""Request and response bodies of demand requests (A27.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from open_svc.demands.lifecycle import DemandState


class DemandOutcome(StrEnum):
    """The bureau's answer: the data will be opened, is opened (naming the dataset), or will not be (why)."""

    planned = "planned"
    opened = "opened"
    declined = "declined"


class DemandIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, description="The data asked to be opened.")
    description: str = Field(min_length=1, max_length=2000, description="What it is needed for, in what form.")
    agency_id: uuid.UUID | None = Field(default=None, description="The agency holding the data, if known.")


class DemandAnswerIn(BaseModel):
    outcome: DemandOutcome
    answer: str = Field(min_length=1, max_length=2000)
    entry_id: uuid.UUID | None = Field(default=None, description="The open dataset, when the outcome is opened.")


class DemandOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    agency_id: uuid.UUID | None
    region_code: str | None
    requested_at: datetime
    votes: int
    state: DemandState
    outcome: DemandOutcome | None
    answer: str | None
    entry_id: uuid.UUID | None
    answered_at: datetime | None


class DemandPage(BaseModel):
    demands: list[DemandOut]
    total: int
