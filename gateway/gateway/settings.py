"""Gateway settings: the shared ones, plus upstreams, identities, limits and audit."""

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
    # A circuit opens after this many consecutive transport failures and lets a trial through after the pause.
    circuit_failure_threshold: int = 5
    circuit_open_seconds: float = 10.0
    access_token_ttl_seconds: int = 900
    # Per-client request rates by client kind, in the `limits` notation ("N/second", "N/minute"; anonymous: per IP).
    rate_limits: dict[str, str] = Field(
        default_factory=lambda: {
            "anonymous": "20/second",
            "portal_user": "50/second",
            "agency_system": "500/second",
            "ingest_job": "500/second",
            "operator": "100/second",
        },
        validation_alias="HUB_RATE_LIMITS",
    )
    # Browsers may call the hub from the open portal's origin(s) only.
    portal_origins: list[str] = Field(default_factory=list, validation_alias="HUB_PORTAL_ORIGINS")
    audit_anchor_interval_seconds: float = 60.0
