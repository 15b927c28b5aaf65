"""Fixtures on the real PostgreSQL cluster and Kafka broker that `make test` starts (never mocks)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from harness import Infra, Keys, LocalMesh, MeshStarter, fresh_database, running_mesh
from hub.internal_token import generate_keypair
from scheduling import PackageScheduling

# argon2's least cost for every gateway the tests start, in this process or another (gateway Settings,
# secret_hash_*): each client they register and token they ask for would otherwise cost 0.3 s of CPU.
# tests/gateway/identities/test_secrets.py checks the production default and that a cost is applied.
LEAST_SECRET_HASH_COST = {"SECRET_HASH_TIME_COST": "1", "SECRET_HASH_MEMORY_KIB": "8", "SECRET_HASH_PARALLELISM": "1"}
for _name, _least in LEAST_SECRET_HASH_COST.items():
    os.environ.setdefault(_name, _least)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> PackageScheduling | None:
    """PackageScheduling for `--dist loadfile` (make test's); xdist's own scheduler otherwise."""
    return PackageScheduling(config, log) if config.getvalue("dist") == "loadfile" else None


def _required_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the integration tests with `make test`, which starts the servers")
    return value


@pytest.fixture(scope="session")
def infra() -> Infra:
    """Where the test PostgreSQL server and Kafka broker are."""
    return Infra(
        database_url=_required_env("HUB_TEST_DATABASE_URL"),
        kafka_bootstrap=_required_env("HUB_TEST_KAFKA_BOOTSTRAP_SERVERS"),
    )


@pytest.fixture(scope="session")
def keys() -> Keys:
    """An internal-token key pair for the gateway and the services of a test mesh."""
    private_pem, public_pem = generate_keypair()
    return Keys(private_pem=private_pem, public_pem=public_pem)


@pytest.fixture
def topic_prefix() -> str:
    """Topics of one test, invisible to every other test on the shared broker."""
    return f"t{uuid.uuid4().hex[:10]}."


@pytest.fixture
def spans() -> tuple[InMemorySpanExporter, SimpleSpanProcessor]:
    """An in-memory exporter that every service of a test mesh reports to."""
    exporter = InMemorySpanExporter()
    return exporter, SimpleSpanProcessor(exporter)


@pytest.fixture
async def database_factory(infra: Infra) -> AsyncIterator[Callable[[str], Awaitable[str]]]:
    """Creates a fresh, migrated database for a service; dropped after the test."""
    created: list[str] = []

    async def create(service: str) -> str:
        url = await fresh_database(infra, service)
        created.append(url)
        return url

    yield create
    for url in created:
        await infra.drop_database(url)


@pytest.fixture
def start_mesh(
    infra: Infra, keys: Keys, topic_prefix: str, database_factory: Callable[[str], Awaitable[str]]
) -> MeshStarter:
    """Starts the named services of a test, each on a fresh database (dropped after the test).

    `settings` adds settings by service name (`{"gateway": {"HUB_RATE_LIMITS": ...}}`); `span_processors` receive
    every service's spans; `kafka_bootstrap` points the services at another broker than the shared one.
    """

    @contextlib.asynccontextmanager
    async def start(
        services: Sequence[str],
        settings: dict[str, dict[str, Any]] | None = None,
        *,
        span_processors: Sequence[SpanProcessor] = (),
        kafka_bootstrap: str | None = None,
    ) -> AsyncIterator[LocalMesh]:
        databases = {name: await database_factory(name) for name in services}
        extra = settings or {}
        async with running_mesh(
            services,
            infra=infra if kafka_bootstrap is None else dataclasses.replace(infra, kafka_bootstrap=kafka_bootstrap),
            keys=keys,
            databases=databases,
            topic_prefix=topic_prefix,
            span_processors=span_processors,
            settings_overrides=lambda name: dict(extra.get(name, {})),
        ) as mesh:
            yield mesh

    return start
