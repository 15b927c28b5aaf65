"""One hub per test module of the open platform's datasets; open-svc adds view and download tallies to its counters
every 0.1 s here, so a test sees its counts in the database at once (A24.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.datasets.world import World, datasets_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with datasets_world(infra, keys) as running:
        yield running
