"""Settings shared by every service (12-factor: environment variables, optionally a .env file)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from hub.mesh import DEFAULT_MESH_FILE


class HubSettings(BaseSettings):
    """What every service needs to run; each service extends it with its own settings."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    service_name: str = Field(description="The service's name in services/mesh.toml.")
    database_url: str = Field(
        default="postgresql+asyncpg://hub@127.0.0.1:55432/postgres",
        description="This service's own database (SQLAlchemy URL, asyncpg driver).",
    )
    database_pool_size: int = Field(
        default=20,
        ge=1,
        description="Connections to its database a service keeps at most: opened as needed, then kept, none beyond.",
    )
    kafka_bootstrap_servers: str = "127.0.0.1:59092"
    # Lets several hubs (or test runs) share one broker without seeing each other's topics.
    kafka_topic_prefix: str = ""
    kafka_request_timeout_ms: int = 5000
    # The replication factor of a topic a service creates itself (hub.kafka.ensure_topics): on a cluster, what its
    # declared topics have (deploy/k8s: 3), so a service that comes up before the cluster's topic operator does not
    # leave a topic with a single copy.
    kafka_topic_replication_factor: int = Field(default=1, ge=1)
    mesh_file: Path = Field(default=DEFAULT_MESH_FILE, validation_alias="HUB_MESH_FILE")
    # The gateway signs internal tokens with the private key; services verify with the public keys (A12.1).
    internal_token_public_keys: list[str] = Field(
        default_factory=list,
        validation_alias="HUB_INTERNAL_TOKEN_PUBLIC_KEYS",
        description="PEM public keys (Ed25519) accepted for internal tokens; several during a key rotation.",
    )
    internal_token_private_key: SecretStr | None = Field(
        default=None, validation_alias="HUB_INTERNAL_TOKEN_PRIVATE_KEY"
    )
    internal_token_ttl_seconds: int = 60
    timezone: str = "Asia/Shanghai"
    calendar_override_file: Path | None = Field(default=None, validation_alias="HUB_CALENDAR_OVERRIDE_FILE")
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = 0.2
    outbox_batch_size: int = 500
    outbox_fallback_poll_seconds: float = 2.0
    # How long a woken relay waits before it publishes, so that what commits meanwhile goes in the same Kafka request
    # and its consumers' same transaction (hub.outbox.OutboxRelay). 0 publishes each commit at once (the event
    # latency goal); a service whose events nobody waits for (the gateway's audit feed) trades a little of it for
    # one relay cycle per interval instead of one per commit.
    outbox_linger_seconds: float = Field(default=0.0, ge=0.0, le=5.0)
    # How often the sampled gauges of /metrics (backlogs, lag, states, deadlines) are read (hub.metrics_sampling).
    metrics_sample_seconds: float = Field(default=15.0, gt=0)
    # The share of new traces recorded (parent-based: a request joins its caller's decision, so a trace is kept or
    # dropped whole across the gateway, the services and Kafka); the production default, docs/operations.md.
    trace_sample_ratio: float = Field(default=0.1, ge=0.0, le=1.0, validation_alias="HUB_TRACE_SAMPLE_RATIO")
    log_level: str = "INFO"
    log_json: bool = True
    # Where the public reaches the hub (the gateway's address) and the bureau publishing its catalogues: the absolute
    # IRIs and the publisher of the DCAT-AP feeds and the CKAN-compatible API (hub.dcat).
    public_url: str = Field(default="http://127.0.0.1:8100", validation_alias="HUB_PUBLIC_URL")
    bureau_name: str = Field(default="公共数据主管部门", validation_alias="HUB_BUREAU_NAME")

    def topic(self, name: str) -> str:
        """The physical Kafka topic for a logical topic name such as `catalog.events`."""
        return f"{self.kafka_topic_prefix}{name}"
