"""One hub for the open lists' tests (the datasets' world: catalogue, open-svc, gateway)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.datasets.world import World, datasets_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with datasets_world(infra, keys) as running:
        yield running
