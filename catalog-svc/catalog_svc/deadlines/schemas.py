"""Request and response bodies of change notices."""

from __future__ import annotations

import uuid
from datetime import date

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from catalog_svc.deadlines.rules import NoticeState


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
    working_days: int = Field(description="The time limit in working days (15, A14.2).")
    due_on: date
    provisional: bool = Field(
        # The row calls it due_provisional; a re-validated response (FastAPI) calls it provisional.
        validation_alias=AliasChoices("due_provisional", "provisional"),
        description="The working-day calendar does not cover the whole time limit yet: due_on counts the uncovered "
        "days on weekends alone and is recomputed when an operator adds the year (no holidays are known there).",
    )
    state: NoticeState
    met_on: date | None
    met_late: bool
