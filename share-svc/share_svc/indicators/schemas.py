"""The sharing indicators (A32.1) as the API answers them: per provider agency and per bureau (region)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, Field

# The window's bounds: wide enough for any record the hub keeps, narrow enough that every bound converts to UTC.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _within_bounds(moment: datetime) -> datetime:
    if not EARLIEST <= moment <= LATEST:
        raise ValueError(f"must lie between {EARLIEST.isoformat()} and {LATEST.isoformat()}")
    return moment


Moment = Annotated[AwareDatetime, AfterValidator(_within_bounds)]


class Outcomes(BaseModel):
    """Applications by where they stand: refused counts the disputed and the dismissed too (a refusal stands until
    a dispute upholds it; an upheld one counts as granted)."""

    granted: int = 0
    refused: int = 0
    withdrawn: int = 0
    terminated: int = 0
    pending: int = 0


class DecisionTime(BaseModel):
    """Hours from an application to a party's decision on it, over the applications decided (A20.2, A32.1)."""

    count: int = 0
    mean_hours: float | None = None
    median_hours: float | None = None
    p90_hours: float | None = Field(default=None, description="The 90th percentile, interpolated (percentile_cont).")


class ProviderIndicators(BaseModel):
    """A provider agency's figures: its applications, how long its officers took to decide, what is overdue."""

    agency_id: uuid.UUID
    applications: Outcomes = Field(default_factory=Outcomes)
    decision_time: DecisionTime = Field(default_factory=DecisionTime)
    overdue_reviews: int = Field(default=0, description="Its pending reviews past their due date, today.")


class BureauIndicators(BaseModel):
    """A bureau's figures, by the region whose applications it reviews (the entry's region)."""

    region_code: str
    applications: Outcomes = Field(default_factory=Outcomes)
    decision_time: DecisionTime = Field(default_factory=DecisionTime)
    overdue_reviews: int = Field(default=0, description="Its pending reviews past their due date, today.")
    open_disputes: int = Field(default=0, description="Disputes before the bureau, today (A20.3).")
    escalated_disputes: int = Field(default=0, description="Disputes before the region's government, today.")


class DisputeCounts(BaseModel):
    """Undecided disputes, today: before the bureau (open) and before the government (escalated) (A20.3)."""

    open: int = 0
    escalated: int = 0


class Indicators(BaseModel):
    """The sharing platform's indicators (A32.1). Application counts and decision times cover the applications made
    in [since, until); overdue reviews and undecided disputes are those of today, whenever the application was made."""

    region_code: str | None
    agency_id: uuid.UUID | None
    since: datetime | None
    until: datetime
    today: date
    providers: list[ProviderIndicators]
    bureaus: list[BureauIndicators]
    disputes: DisputeCounts
