"""One hub per test module of conditional open applications; open-svc sweeps its deadlines every 0.2 s here, so a
test that moves its clock sees the approaching and overdue announcements at once (A24.2)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.applications.world import World, open_world

from harness import Infra, Keys

SWEEP_SECONDS = 0.2


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with open_world(infra, keys, deadline_sweep_seconds=SWEEP_SECONDS) as running:
        yield running
