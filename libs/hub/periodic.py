"""Work a service repeats in the background (sweeps, snapshots, anchors), run the same way everywhere."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from hub.background import BackgroundWork

PeriodicWork = Callable[[FastAPI, AsyncSession], Awaitable[None]]


class Periodic(BackgroundWork):
    """`work` in its own transaction now and then every `interval_seconds`; a failure is retried with backoff."""

    def __init__(self, name: str, interval_seconds: float, work: PeriodicWork, app: FastAPI) -> None:
        super().__init__(name)
        self.interval_seconds = interval_seconds
        self.work = work
        self.app = app

    async def run(self) -> None:
        while True:
            async with self.app.state.sessionmaker() as session, session.begin():
                await self.work(self.app, session)
            await asyncio.sleep(self.interval_seconds)


def every(
    name: str, interval_seconds: float, work: PeriodicWork
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan part (one of ServiceSpec.extra_lifespans) running `work` periodically (see `Periodic`). `work`
    must be safe when several replicas run it (a lock or SKIP LOCKED), since each replica has its own loop."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        periodic = Periodic(name, interval_seconds, work, app)
        periodic.start()
        try:
            yield
        finally:
            await periodic.stop()

    return lifespan
