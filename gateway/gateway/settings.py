"""Gateway settings: the shared ones, plus where the upstream services are and how long to wait for them."""

from __future__ import annotations

from pydantic import Field

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "gateway"
    # Overrides the mesh's http://127.0.0.1:<port> per service, e.g. {"catalog": "http://catalog-svc:8000"}.
    upstream_urls: dict[str, str] = Field(default_factory=dict, validation_alias="HUB_UPSTREAM_URLS")
    upstream_connect_timeout_seconds: float = 2.0
    upstream_read_timeout_seconds: float = 30.0
    upstream_max_connections: int = 200
