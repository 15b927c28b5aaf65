"""Request and response bodies of error reports and objections (A26.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from open_svc.feedback.lifecycle import ReportState
from open_svc.feedback.rules import ReporterKind


class ReportKind(StrEnum):
    """报告明显错误 (an obvious error in the data) or 提出异议 (an objection to it) (A26.1)."""

    error = "error"
    objection = "objection"


class ReportIn(BaseModel):
    entry_id: uuid.UUID = Field(description="An open dataset; for an agency, also data shared with it.")
    kind: ReportKind
    description: str = Field(min_length=1, max_length=2000, description="What is wrong, or what is objected to.")
    items: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=100, description="The data items concerned, if known."
    )
    record_key: str | None = Field(default=None, max_length=500, description="The record concerned, if known.")


class ReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    entry_id: uuid.UUID
    entry_name: str
    agency_id: uuid.UUID = Field(description="The agency responsible for the data, which answers.")
    region_code: str
    kind: ReportKind
    description: str
    items: list[str]
    record_key: str | None
    reporter_kind: ReporterKind
    reporter_agency_id: uuid.UUID | None
    state: ReportState
    taken_up_at: datetime | None
    answer: str | None
    answered_at: datetime | None
    created_at: datetime


class ReportFiled(ReportOut):
    reporter_token: str | None = Field(
        description="Anonymous reporters only, shown once: send it as X-Reporter-Token with the report's id to see "
        "its state and answer."
    )


class AnswerIn(BaseModel):
    outcome: Literal["corrected", "rejected"]
    answer: str = Field(min_length=1, max_length=2000, description="What was corrected, or why the data stands.")


class ReportPage(BaseModel):
    reports: list[ReportOut]
    total: int


class ReportCountsOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    errors: int
    objections: int
    unanswered: int
    corrected: int
    rejected: int
