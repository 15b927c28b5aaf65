"""One hub for the portal's tests (pages and browser): the datasets and their replicated records take a while to put
in place, and no test changes what another reads."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from open.portal.world import Portal, portal_world

from harness import Infra, Keys


@pytest.fixture(scope="package")
async def portal(infra: Infra, keys: Keys) -> AsyncIterator[Portal]:
    async with portal_world(infra, keys) as running:
        yield running
