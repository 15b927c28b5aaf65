"""supervision-svc settings: the shared ones, with this service's name and when a period's figures are kept."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo

from pydantic import Field

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "supervision"
    supervision_snapshot_seconds: float = Field(
        default=600.0, gt=0, description="How often a closed period whose figures are not yet kept is looked for."
    )
    supervision_snapshot_delay_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="How long after a period closes its figures are kept (a snapshot, never rewritten after): "
        "events of its last moments still on their way through the outboxes count.",
    )


@cache
def hub_timezone() -> ZoneInfo:
    """The hub's time zone (periods and days are local), for work that runs outside a request: the consumer's."""
    return ZoneInfo(Settings().timezone)
