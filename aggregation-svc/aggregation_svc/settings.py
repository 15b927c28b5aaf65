"""aggregation-svc settings: the shared ones, with this service's name."""

from __future__ import annotations

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "aggregation"
