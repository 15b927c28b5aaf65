"""Request and response bodies of consent records."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class ConsentIn(BaseModel):
    """A subject's consent as the collecting agency obtained it, with what the subject was told (A16.1)."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(max_length=200, description="Whose consent: the subject's identifier as the agency knows it")
    purpose: str = Field(max_length=4000, description="收集目的: why the data is collected")
    method: str = Field(max_length=4000, description="收集方式: how it is collected")
    scope: str = Field(max_length=4000, description="收集范围: which data, in words")
    entry_ids: list[uuid.UUID] = Field(max_length=100, description="The catalogue entries the consent covers")
    query_channel: str = Field(max_length=1000, description="查询渠道: where the subject queries its data")
    correction_channel: str = Field(max_length=1000, description="更正渠道: where the subject has it corrected")
    given_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class RevocationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=1000)


class ConsentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    agency_id: uuid.UUID
    region_code: str
    subject: str
    purpose: str
    method: str
    scope: str
    entry_ids: list[uuid.UUID]
    query_channel: str
    correction_channel: str
    given_at: datetime
    expires_at: datetime | None
    recorded_by: str
    recorded_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revocation_reason: str | None
    holds: bool = False
