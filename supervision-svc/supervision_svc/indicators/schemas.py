"""The indicator system's answers (A32.1): figures per agency and per region with the previous period's beside them,
exchanges by agency pair, and the periods known."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from supervision_svc.indicators.periods import PERIOD_PATTERN

PERIOD = Field(pattern=PERIOD_PATTERN, examples=["2026Q4"])
# A region code (GB/T 2260, or GB/T 10114 for streets).
REGION_CODE = r"^[0-9]{6}([0-9]{3})?$"
Value = int | float | None


class ExportFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


class Figure(BaseModel):
    """One indicator of an agency or a region: this period's value and the previous period's."""

    value: Value = Field(description="None where nothing was there to take a mean of, or no agency is named.")
    previous: Value
    unit: str
    requirement: str = Field(description="The requirement of the Measures the indicator measures.")


class AgencyIndicators(BaseModel):
    agency_id: uuid.UUID
    agency_name: str
    region_code: str
    indicators: dict[str, Figure]


class RegionIndicators(BaseModel):
    """A region's figures, over the agencies and facts of every region within it (A4.1)."""

    region_code: str
    region_name: str | None = Field(description="None: the catalogue's events do not name regions.")
    indicators: dict[str, Figure]


class Indicators(BaseModel):
    period: str = PERIOD
    previous_period: str = PERIOD
    agencies: list[AgencyIndicators]
    regions: list[RegionIndicators]


class ExchangePair(BaseModel):
    """Exchanges of data from a provider agency's entries to a consuming agency through the gateway (A12.1)."""

    consumer_agency_id: uuid.UUID
    consumer_agency_name: str
    provider_agency_id: uuid.UUID
    provider_agency_name: str
    requests: int
    rows: int


class Exchanges(BaseModel):
    period: str = PERIOD
    pairs: list[ExchangePair]


class KnownPeriod(BaseModel):
    period: str = PERIOD
    first_day: date
    last_day: date
    closed: bool = Field(description="Kept: its figures are a snapshot made when it closed, never rewritten.")
    kept_at: datetime | None


class Periods(BaseModel):
    current_period: str = PERIOD
    periods: list[KnownPeriod]
