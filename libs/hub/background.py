"""The one way a service runs long-lived work in the background: the outbox relay, the event consumer, LISTEN
channels, periodic sweeps, the job runner and the gateway's audit writer all are a `BackgroundWork`.

Each has the same behaviour:
- `start()` runs `run()` in a task; `run()` is expected to run until cancelled.
- When `run()` fails, the failure is logged and counted, and it is run again after a backoff that doubles from
  `initial` up to `maximum` seconds, and starts over once a run has lasted longer than `maximum`.
- `stop()` cancels the run, waits for it, then calls `cleanup()` (close producers, connections…).
- `health()` says whether it runs, how often it failed and its last error; services report it in /readyz and
  in the `hub_background_failures_total` metric.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass
from typing import Any

import structlog

from hub import metrics

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Backoff:
    """Seconds to wait before running failed work again."""

    initial: float = 0.5
    maximum: float = 30.0

    def after(self, previous: float | None) -> float:
        """The next wait, given the previous one (None: the first failure)."""
        return self.initial if previous is None else min(self.maximum, previous * 2)


class BackgroundWork:
    """Long-lived work of a service; subclasses implement `run()` and, if they hold resources, `cleanup()`."""

    def __init__(self, name: str, *, backoff: Backoff | None = None) -> None:
        self.name = name
        self.backoff = backoff or Backoff()
        self.failures = 0
        self.last_error: str | None = None
        self._task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """The work; runs until cancelled. A return or an exception makes it run again after the backoff."""
        raise NotImplementedError

    async def cleanup(self) -> None:
        """Release what `run()` left open; called once by `stop()`."""

    def start(self) -> None:
        """Run in the background."""
        self._task = asyncio.create_task(self._forever(), name=self.name)

    async def stop(self) -> None:
        """Cancel the work, wait for it, then clean up."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.cleanup()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def health(self) -> dict[str, Any]:
        """Whether the work runs, and how it failed so far."""
        return {"ok": self.running, "failures": self.failures, "last_error": self.last_error}

    async def _forever(self) -> None:
        wait: float | None = None
        while True:
            started = time.monotonic()
            try:
                await self.run()
                log.warning("background work returned; running it again", task=self.name)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"[:500]
                metrics.BACKGROUND_FAILURES.labels(self.name).inc()
                log.warning("background work failed; running it again", task=self.name, error=self.last_error)
            if time.monotonic() - started > self.backoff.maximum:
                wait = None
            wait = self.backoff.after(wait)
            await asyncio.sleep(wait)
