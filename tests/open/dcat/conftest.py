"""One world per test module of the DCAT-AP feed (tests/open/interop.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.interop import World, interop_world

from harness import Infra, Keys


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[World]:
    async with interop_world(infra, keys) as running:
        yield running
