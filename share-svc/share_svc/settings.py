"""share-svc settings: the shared ones, with this service's name and the sharing platform's time limits."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from hub.regions import level_of
from hub.settings import HubSettings

# A review's time limit, in working days: past a quarter of a year it is no time limit at all.
MAX_REVIEW_WORKING_DAYS = 60


class Settings(HubSettings):
    service_name: str = "share"
    share_review_working_days: int = Field(
        default=5,
        ge=1,
        le=MAX_REVIEW_WORKING_DAYS,
        description="Working days each party has to review a conditional application (A20.2: granted promptly).",
    )
    share_review_working_days_by_region: dict[str, int] = Field(
        default_factory=dict,
        description="Per region (JSON object region code → working days): the most specific region holding an "
        "entry's region sets its applications' time limit; the default applies elsewhere.",
    )
    share_max_grant_days: int = Field(
        default=1096, ge=1, le=36_600, description="The longest period a grant may run (three years by default)."
    )
    share_review_sweep_seconds: float = Field(
        default=600.0, gt=0, description="How often overdue and approaching reviews are looked for."
    )

    @field_validator("share_review_working_days_by_region")
    @classmethod
    def _regions_and_days(cls, value: dict[str, int]) -> dict[str, int]:
        for code, days in value.items():
            if level_of(code) is None:
                raise ValueError(f"{code!r} is not a region code (GB/T 2260)")
            if not 1 <= days <= MAX_REVIEW_WORKING_DAYS:
                raise ValueError(f"{code}: {days} working days is outside 1..{MAX_REVIEW_WORKING_DAYS}")
        return value


@cache
def hub_timezone() -> ZoneInfo:
    """The hub's time zone (deadlines count local days), for work that runs outside a request: the catalogue's
    reactions in the event consumer."""
    return ZoneInfo(Settings().timezone)
