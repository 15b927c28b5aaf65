"""PostgreSQL LISTEN on a channel, kept alive across reconnects, calling back on every notification."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import asyncpg

from hub.background import BackgroundWork
from hub.db import asyncpg_dsn


class ChannelListener(BackgroundWork):
    """Calls `on_notify` for each NOTIFY on `channel`, and once after every (re)connect, since notifications
    sent while disconnected are lost: the callback should reload what it caches, not apply a delta."""

    def __init__(self, database_url: str, channel: str, on_notify: Callable[[], Awaitable[None]]) -> None:
        super().__init__(f"listen-{channel}")
        self._dsn = asyncpg_dsn(database_url)
        self._channel = channel
        self._on_notify = on_notify
        self._pending = asyncio.Event()

    async def run(self) -> None:
        conn = await asyncpg.connect(self._dsn)
        try:
            await conn.add_listener(self._channel, lambda *_: self._pending.set())
            self._pending.set()
            while True:
                await self._pending.wait()
                self._pending.clear()
                await self._on_notify()
                # A dead connection would silently stop the notifications; a cheap query finds out.
                if not self._pending.is_set():
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._pending.wait(), 5.0)
                    await conn.fetchval("SELECT 1")
        finally:
            with contextlib.suppress(Exception):
                await conn.close()
