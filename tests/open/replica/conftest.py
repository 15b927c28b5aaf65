"""One hub per test module of the replica of open data: the catalogue, the big data centre, open-svc and the gateway
on real PostgreSQL and Kafka; each test publishes entries of its own, so tests share it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aggregation.centre import World, centre_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with centre_world(infra, keys, services=("catalog", "aggregation", "open", "gateway")) as running:
        yield running
