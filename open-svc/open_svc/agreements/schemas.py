"""Request and response bodies of the open-use agreement (A24.3)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# The largest version number a path or body may name: the column is an integer.
MAX_VERSION = 2**31 - 1


class AgreementIn(BaseModel):
    title: str = Field(min_length=1, max_length=200)
    text: str = Field(min_length=1, max_length=100_000, description="The agreement's full text, as applicants read it.")


class AgreementOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    version: int
    title: str
    text: str
    published_by: str
    published_at: datetime


class AcceptanceIn(BaseModel):
    version: int = Field(ge=1, le=MAX_VERSION, description="The version read and accepted: the one in force.")


class AcceptanceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    application_id: uuid.UUID
    agreement_version: int
    applicant: str
    applicant_kind: str
    applicant_name: str
    applicant_identifier: str
    accepted_at: datetime
