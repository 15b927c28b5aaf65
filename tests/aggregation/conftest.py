"""Fixtures of the big data centre's integration tests: one hub per test module; each test publishes entries of its
own, so tests share it without depending on each other."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aggregation.centre import World, centre_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with centre_world(infra, keys) as running:
        yield running
