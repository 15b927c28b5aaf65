"""Gateway settings: the shared ones, plus upstreams, identities, limits and audit."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from hub.settings import HubSettings


class Settings(HubSettings):
    service_name: str = "gateway"
    # Overrides the mesh's http://127.0.0.1:<port> per service, e.g. {"catalog": "http://catalog-svc:8000"}; a list
    # names the service's replicas, which the gateway balances across (gateway.routing.upstreams.ReplicaPool).
    upstream_urls: dict[str, str | list[str]] = Field(default_factory=dict, validation_alias="HUB_UPSTREAM_URLS")
    # How often, at most, traffic to a replicated service re-asks each replica's /readyz.
    upstream_probe_seconds: float = 0.5
    upstream_connect_timeout_seconds: float = 2.0
    upstream_read_timeout_seconds: float = 30.0
    upstream_max_connections: int = 200
    # How long an idle pooled connection to a service is reused: below the services' own keep-alive (uvicorn's 5 s),
    # so the gateway never sends a request down a connection the service is closing at that moment (which fails a
    # write with "unavailable" though nothing is wrong).
    upstream_keepalive_seconds: float = 2.0
    # A circuit opens after this many consecutive faults of its service (gateway.routing.proxy.send says which count)
    # and lets a trial through after the pause.
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
            "agency_person": "100/second",
            "operator": "100/second",
        },
        validation_alias="HUB_RATE_LIMITS",
    )
    # The reverse proxies (addresses or networks, e.g. ["10.0.0.0/8"]) whose X-Forwarded-For and X-Forwarded-Proto the
    # gateway believes; nobody's by default, so a caller cannot pick the address its rate limit and audit record
    # name (A28.1, A36.1).
    trusted_proxies: list[str] = Field(default_factory=list, validation_alias="HUB_TRUSTED_PROXIES")
    # Browsers may call the hub from the open portal's origin(s) only.
    portal_origins: list[str] = Field(default_factory=list, validation_alias="HUB_PORTAL_ORIGINS")
    audit_anchor_interval_seconds: float = 60.0
    # The audit chain's committed records go out on gateway.audit at most once in this many seconds, in one event
    # (gateway.audit.publisher): an event per commit would cost, at low traffic, a relay cycle, a Kafka request and
    # supervision-svc's transaction per read. It is also how long a record may wait to be published.
    audit_publish_interval_seconds: float = Field(default=0.1, gt=0.0, le=5.0)
    # How long a request waits for its audit record's commit before it is answered 503 instead (A36.1).
    audit_commit_timeout_seconds: float = Field(default=10.0, gt=0)
    # argon2id's cost for the client secrets, passwords and API keys the gateway stores (gateway.identities.secrets):
    # by default RFC 9106's second recommended option, 3 passes over 64 MiB in 4 lanes (about 0.3 s of CPU per hash
    # on two cores). Tune it to the hardware; the tests lower it (tests/conftest.py), since every client they register
    # and every token they ask for pays it. A stored hash names its own cost, so a change applies to new hashes and
    # every old one still verifies.
    secret_hash_time_cost: int = Field(default=3, ge=1, le=100)
    secret_hash_memory_kib: int = Field(default=65536, ge=8, le=4 * 1024 * 1024)
    secret_hash_parallelism: int = Field(default=4, ge=1, le=64)

    @model_validator(mode="after")
    def _argon2_memory_fits_its_lanes(self) -> Self:
        if self.secret_hash_memory_kib < 8 * self.secret_hash_parallelism:
            raise ValueError("secret_hash_memory_kib must be at least 8 KiB per lane (secret_hash_parallelism)")
        return self
