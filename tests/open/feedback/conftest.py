"""One hub per test module; each test publishes the entries and makes the users it needs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.applications.world import World, open_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with open_world(infra, keys) as running:
        yield running
