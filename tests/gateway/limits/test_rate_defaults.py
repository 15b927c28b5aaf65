"""Rate limits fail closed: a kind of client the configuration leaves out is limited, never unlimited (A28.1)."""

from __future__ import annotations

import pytest

from gateway.access.limits import RateLimits, TooManyRequests


async def test_a_kind_without_its_own_rate_gets_the_anonymous_one() -> None:
    limits = RateLimits({"anonymous": "2/minute", "agency_system": "100/minute"})
    await limits.check("agency_person", "officer-1")
    await limits.check("agency_person", "officer-1")

    with pytest.raises(TooManyRequests) as refused:
        await limits.check("agency_person", "officer-1")
    assert int(refused.value.headers["Retry-After"]) >= 1


async def test_with_no_anonymous_rate_either_a_fixed_rate_applies() -> None:
    limits = RateLimits({})
    for _ in range(20):
        await limits.check("someone", "k")

    with pytest.raises(TooManyRequests):
        await limits.check("someone", "k")
