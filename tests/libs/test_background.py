"""The one background-work base: failures are retried with a doubling backoff, counted, and stop cleans up."""

from __future__ import annotations

import asyncio

from hub.background import BackgroundWork, Backoff


def test_the_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(initial=0.5, maximum=3.0)
    waits = [backoff.after(None)]
    for _ in range(4):
        waits.append(backoff.after(waits[-1]))

    assert waits == [0.5, 1.0, 2.0, 3.0, 3.0]


class FailsTwice(BackgroundWork):
    def __init__(self) -> None:
        super().__init__("fails-twice", backoff=Backoff(initial=0.01, maximum=0.05))
        self.attempts = 0
        self.steady = asyncio.Event()
        self.cleaned = False

    async def run(self) -> None:
        self.attempts += 1
        if self.attempts <= 2:
            raise ConnectionError(f"down #{self.attempts}")
        self.steady.set()
        await asyncio.Event().wait()

    async def cleanup(self) -> None:
        self.cleaned = True


async def test_failing_work_runs_again_and_reports_its_failures() -> None:
    work = FailsTwice()
    work.start()
    await asyncio.wait_for(work.steady.wait(), 5)

    assert work.health() == {"ok": True, "failures": 2, "last_error": "ConnectionError: down #2"}
    await work.stop()
    assert work.cleaned
    assert work.health()["ok"] is False


async def test_stop_before_start_only_cleans_up() -> None:
    work = FailsTwice()
    await work.stop()
    assert work.cleaned
    assert work.attempts == 0
