"""One hub for the whole fuzzing suite: starting and seeding a hub costs more than most of its tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fuzz.world import Hub, running_hub
from harness import Infra, Keys


@pytest.fixture(scope="package")
async def hub(infra: Infra, keys: Keys) -> AsyncIterator[Hub]:
    async with running_hub(infra, keys) as running:
        yield running
