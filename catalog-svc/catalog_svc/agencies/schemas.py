"""Request and response bodies of the agency registry."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog_svc.agencies.rules import credit_code_problem


class AgencyKind(StrEnum):
    """The kinds of agency the Measures cover (A2.1, Articles 2 and 37)."""

    administrative_organ = "administrative_organ"  # 行政机关
    public_institution = "public_institution"  # 事业单位
    enterprise = "enterprise"  # 企业 (performing public functions)
    social_organisation = "social_organisation"  # 社会组织
    stationed_unit = "stationed_unit"  # 驻锡单位 (Article 37)


class AgencyIn(BaseModel):
    """An agency to register."""

    credit_code: str = Field(description="统一社会信用代码, 18 characters, GB 32100 check character.")
    name: str = Field(min_length=1, max_length=200)
    kind: AgencyKind
    region_code: str = Field(min_length=1, max_length=12, description="The region the agency belongs to (A4.1).")
    duties: str = Field(default="", max_length=4000, description="Its duties (职责); a change opens notices (A14.2).")
    data_unit: str = Field(min_length=1, max_length=200, description="Its data unit (A31.1).")
    responsible_person: str = Field(min_length=1, max_length=100, description="Its responsible person (A31.1).")

    @field_validator("credit_code")
    @classmethod
    def _valid_credit_code(cls, value: str) -> str:
        value = value.strip().upper()
        problem = credit_code_problem(value)
        if problem:
            raise ValueError(f"unified social credit code {problem} (A2.1)")
        return value


class AgencyChange(BaseModel):
    """A change of an agency's name, duties, data unit or responsible person."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    duties: str | None = Field(default=None, max_length=4000)
    data_unit: str | None = Field(default=None, min_length=1, max_length=200)
    responsible_person: str | None = Field(default=None, min_length=1, max_length=100)


class AgencyOut(AgencyIn):
    """A registered agency."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    registered_at: datetime
