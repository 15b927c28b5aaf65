"""Per-client rate limits (moving window, in memory per replica) answered with 429 and Retry-After."""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

from hub.errors import Problem


class TooManyRequests(Problem):
    kind, status, title = "too-many-requests", 429, "Too many requests"


class BodyTooLarge(Problem):
    kind, status, title = "body-too-large", 413, "Request body too large"


def caused_by_overflow(exc: BaseException) -> bool:
    """Whether an error (the transport's aborted send, say) was caused by a body over its route's cap."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, BodyTooLarge):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


FALLBACK_RATE = "20/second"


class RateLimits:
    """One moving window per client (or, for anonymous callers, per address)."""

    def __init__(self, rates: dict[str, str]) -> None:
        self._items: dict[str, RateLimitItem] = {kind: parse(rate) for kind, rate in rates.items()}
        # A kind of client the configuration leaves out is limited like an anonymous caller, never unlimited.
        self._fallback = self._items.get("anonymous") or parse(FALLBACK_RATE)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    async def check(self, kind: str, key: str) -> None:
        """Count one request; TooManyRequests with Retry-After when the window is full."""
        item = self._items.get(kind, self._fallback)
        if await self._limiter.hit(item, kind, key):
            return
        stats = await self._limiter.get_window_stats(item, kind, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise TooManyRequests(
            f"More than {item} requests; retry in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
