"""Work a service repeats in the background (sweeps, snapshots, anchors), run the same way everywhere."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager

import structlog
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)


def every(
    name: str, interval_seconds: float, work: Callable[[FastAPI, AsyncSession], Awaitable[None]]
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan part (one of ServiceSpec.extra_lifespans) running `work` in its own transaction now and then every
    `interval_seconds`; a failure is logged and the next interval tries again. `work` must be safe when several
    replicas run it (a lock or SKIP LOCKED), since each replica has its own loop."""

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async def forever() -> None:
            while True:
                try:
                    async with app.state.sessionmaker() as session, session.begin():
                        await work(app, session)
                except Exception as exc:
                    log.warning("periodic work failed; the next interval retries", task=name, error=str(exc))
                await asyncio.sleep(interval_seconds)

        task = asyncio.create_task(forever(), name=name)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return lifespan
