"""Request and response bodies of regions and compilation rules."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog_svc.entries.vocabulary import KNOWN_ELEMENTS, UpdateCycle


class RegionIn(BaseModel):
    code: str = Field(pattern=r"^\d{6}$", description="Administrative division code (GB/T 2260)")
    name: str = Field(min_length=1, max_length=100)
    level: Literal["city", "county_city", "district"]
    parent_code: str | None = None


class RegionOut(RegionIn):
    model_config = ConfigDict(from_attributes=True)


class CompilationRuleIn(BaseModel):
    """A region's catalogue compilation requirements (A13.2)."""

    required_elements: list[str] = Field(min_length=1)
    allowed_update_cycles: list[UpdateCycle] = Field(min_length=1)
    code_pattern: str = Field(min_length=1, max_length=200, description="Regular expression for resource codes")

    @field_validator("required_elements")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(KNOWN_ELEMENTS))
        if unknown:
            raise ValueError(f"unknown elements: {', '.join(unknown)}")
        return value

    @field_validator("code_pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a regular expression: {exc}") from exc
        return value


class CompilationRuleOut(CompilationRuleIn):
    model_config = ConfigDict(from_attributes=True)

    region_code: str
    updated_by: str
