"""Request and response bodies of the agency registry."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog_svc.regions.schemas import RegionCode
from hub.contracts.vocabulary import AgencyKind
from hub.identifiers import credit_code_problem


class AgencyIn(BaseModel):
    """An agency to register."""

    # 18 characters; room is left for blanks around them, which are stripped.
    credit_code: str = Field(max_length=32, description="统一社会信用代码, 18 characters, GB 32100 check character.")
    name: str = Field(min_length=1, max_length=200)
    kind: AgencyKind
    region_code: RegionCode = Field(description="The region the agency belongs to (A4.1).")
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
