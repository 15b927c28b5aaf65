"""Views and downloads of datasets, counted in memory and added to the database in batches (A24.1).

A popular dataset is viewed many times a second; an UPDATE of its counter row per view would queue every request
on that row's lock. Instead each replica of open-svc tallies views and downloads in memory and adds the tallies to
`dataset_counters` in one statement every `open_counter_flush_seconds`, and once more when it stops. A tally that
fails to be added is kept for the next flush; only a replica that dies abruptly loses the tallies of its last
interval (counts, not records: the price of never slowing a reader down). A replica shows its counts with its own
pending tallies added, so a reader sees their own view counted at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import structlog
from fastapi import FastAPI, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.background import BackgroundWork
from open_svc.datasets import repository

log = structlog.get_logger(__name__)


class Tally:
    """Views and downloads not yet added to the database, by dataset: those still pending, and those being added
    (taken, not yet known to be committed), which show until they are."""

    def __init__(self) -> None:
        self.views: Counter[uuid.UUID] = Counter()
        self.downloads: Counter[uuid.UUID] = Counter()
        self._adding: dict[uuid.UUID, tuple[int, int]] = {}

    def viewed(self, entry_id: uuid.UUID) -> None:
        self.views[entry_id] += 1

    def downloaded(self, entry_id: uuid.UUID) -> None:
        self.downloads[entry_id] += 1

    def pending(self, entry_id: uuid.UUID) -> tuple[int, int]:
        """The views and downloads of a dataset not yet known to be in the database."""
        views, downloads = self._adding.get(entry_id, (0, 0))
        return self.views[entry_id] + views, self.downloads[entry_id] + downloads

    def take(self) -> dict[uuid.UUID, tuple[int, int]]:
        """Every pending tally, to be added; they show as pending until `added` or `give_back`."""
        taken = {e: (self.views[e], self.downloads[e]) for e in self.views.keys() | self.downloads.keys()}
        self.views, self.downloads = Counter(), Counter()
        self._adding = taken
        return taken

    def added(self) -> None:
        """The taken tallies are committed."""
        self._adding = {}

    def give_back(self, taken: dict[uuid.UUID, tuple[int, int]]) -> None:
        """Return tallies that could not be added, for the next flush."""
        self._adding = {}
        for entry_id, (views, downloads) in taken.items():
            self.views[entry_id] += views
            self.downloads[entry_id] += downloads


async def flush(tally: Tally, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Add the pending tallies to the counters in a transaction of their own; given back if it fails. (A commit
    whose outcome is unknown, the connection lost in it, may count that one interval twice or not at all.)"""
    taken = tally.take()
    if not taken:
        tally.added()
        return
    try:
        async with sessionmaker() as session, session.begin():
            await repository.add_counts(session, taken, datetime.now(UTC))
    except BaseException:
        tally.give_back(taken)
        raise
    tally.added()


def tally_of(request: Request) -> Tally:
    """The app's tally (a request dependency)."""
    tally: Tally = request.app.state.dataset_tally
    return tally


class CounterFlush(BackgroundWork):
    """Adds the app's tallies to the counters every `interval` seconds; a failure is retried with backoff."""

    def __init__(self, tally: Tally, sessionmaker: async_sessionmaker[AsyncSession], interval: float) -> None:
        super().__init__("dataset-counters")
        self.tally, self.sessionmaker, self.interval = tally, sessionmaker, interval

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await flush(self.tally, self.sessionmaker)


@contextlib.asynccontextmanager
async def keep_counters(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan part: the app's tally, flushed periodically and once more at shutdown."""
    app.state.dataset_tally = tally = Tally()
    work = CounterFlush(tally, app.state.sessionmaker, app.state.settings.open_counter_flush_seconds)
    work.start()
    try:
        yield
    finally:
        await work.stop()
        try:
            await flush(tally, app.state.sessionmaker)
        except Exception as exc:  # the database is gone: nothing more can be done with the counts
            log.warning("dataset counts lost at shutdown", error=str(exc))
