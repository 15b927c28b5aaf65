"""Request and response bodies of regions and compilation rules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from catalog_svc.entries.vocabulary import KNOWN_ELEMENTS
from catalog_svc.regions.patterns import MAX_PATTERN_LENGTH, PatternError, compile_pattern
from hub.contracts.vocabulary import UpdateCycle

# An administrative division code (GB/T 2260): six digits. Path and query parameters use the pattern as such.
REGION_CODE_PATTERN = r"^\d{6}$"
RegionCode = Annotated[
    str, Field(pattern=REGION_CODE_PATTERN, description="Administrative division code (GB/T 2260), six digits")
]


class RegionIn(BaseModel):
    code: RegionCode
    name: str = Field(min_length=1, max_length=100)
    level: Literal["city", "county_city", "district"]
    parent_code: RegionCode | None = None


class RegionOut(RegionIn):
    model_config = ConfigDict(from_attributes=True)


class CompilationRuleIn(BaseModel):
    """A region's catalogue compilation requirements (A13.2)."""

    required_elements: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=len(KNOWN_ELEMENTS))
    allowed_update_cycles: list[UpdateCycle] = Field(min_length=1, max_length=len(UpdateCycle))
    code_pattern: str = Field(
        min_length=1,
        max_length=MAX_PATTERN_LENGTH,
        description="Regular expression (RE2 syntax: no back-references or look-around) the whole resource code "
        "must match; matched in linear time (A13.2, A28.1).",
    )

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
            compile_pattern(value)
        except PatternError as exc:
            raise ValueError(str(exc)) from exc
        return value


class CompilationRuleView(BaseModel):
    """The requirements in force for a region, as stored (read back without re-checking them)."""

    model_config = ConfigDict(from_attributes=True)

    required_elements: list[str]
    allowed_update_cycles: list[str]
    code_pattern: str


class CompilationRuleOut(CompilationRuleView):
    region_code: str
    updated_by: str
