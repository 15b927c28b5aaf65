"""aggregation-svc settings: the shared ones, with this service's name."""

from __future__ import annotations

from pydantic import Field

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "aggregation"
    # How long the text of rejected rows is kept for the pushing agency to fix them: it may hold personal data,
    # and retention is the city's to set (A38.1).
    quarantine_retention_days: int = Field(default=90, ge=1)
