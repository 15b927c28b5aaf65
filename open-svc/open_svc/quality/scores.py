"""The quality scores published to the mesh (A25.1, for the indicator system of A32.1): DatasetQualityScored on
`open.events` whenever an open dataset's figure changes, through the outbox in the transaction of what changed it.

A score changes with its inputs (rules.DatasetFacts), and each is restated where it changes:
* the catalogue's version of the entry (its elements, its open type, its retirement): in the consumer's reaction
  to the change (datasets/reactions.py);
* the open platform's records of it (whether it has any, their last update): in the replica follower's
  transaction that applies them (replica/service.py);
* the passing of time against its update cycle (udata's "updated on time"), and anything else that changed
  without a change of either (an agency announced after its entries, the licence settings): by a sweep over every
  open dataset each `SWEEP_SECONDS`.

The score last published of each dataset is kept (published_quality_scores), and an unchanged figure publishes
nothing. A dataset that is not open, or is secret, never has its score published (A22.1, A38.1): its stored score
is dropped, so that opened again it is published afresh.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Collection
from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.contracts.open import DatasetQualityScored
from hub.dependencies import clock_now
from hub.outbox import record_event
from hub.periodic import every
from hub.published_catalogue.openness import is_open
from open_svc.quality import repository
from open_svc.quality.schemas import DatasetQuality
from open_svc.quality.service import LicenceSettings, assess, facts_of
from open_svc.settings import Settings

SOURCE = "/hub/open"
# udata's "updated on time" turns by the day: an hourly sweep states it within the hour.
SWEEP_SECONDS = 3600.0
# Open datasets restated per transaction by the sweep.
PAGE = 500


@dataclass
class _Licence:
    """The licence the scores are computed with. The catalogue reactions are hooks of the consumer with no app to
    read settings from, so the app's lifespan sets its licence here (`quality_scores`); the settings' defaults
    until then."""

    open_licence_title: str | None = Settings.model_fields["open_licence_title"].default
    open_licence_url: str | None = Settings.model_fields["open_licence_url"].default

    def follow(self, settings: LicenceSettings) -> None:
        self.open_licence_title, self.open_licence_url = settings.open_licence_title, settings.open_licence_url


LICENCE = _Licence()


def portal_figure(quality: DatasetQuality) -> tuple[float, int, int]:
    """(score, met, criteria): udata's score as the dataset's page shows it, a whole percentage, and the criteria
    met of those counted."""
    criteria = quality.udata.criteria
    return float(round(quality.udata.score * 100)), sum(c.met for c in criteria), len(criteria)


async def restate(session: AsyncSession, entry_ids: Collection[uuid.UUID], now: datetime) -> list[uuid.UUID]:
    """Score these entries as of `now` and publish the score of each open one whose figure changed (A25.1); drop
    the stored score of those that are not open (A22.1). The entries published, in id order."""
    entries = await repository.held_entries(session, entry_ids)
    opened = [entry for entry in entries if is_open(entry)]
    await repository.forget(session, set(entry_ids) - {entry.entry_id for entry in opened})
    facts = await facts_of(session, opened, LICENCE)
    figures = {entry.entry_id: portal_figure(assess(entry.entry_id, facts[entry.entry_id], now)) for entry in opened}
    changed = await repository.store_changed(session, [(e, *figure) for e, figure in figures.items()], now)
    published = []
    for entry in opened:
        if entry.entry_id not in changed:
            continue
        score, met, criteria = figures[entry.entry_id]
        event = DatasetQualityScored(
            entry_id=entry.entry_id, provider_agency_id=entry.provider_agency_id, region_code=entry.region_code,
            score=score, met=met, criteria=criteria, scored_at=now,
        )  # fmt: skip
        await record_event(session, event, source=SOURCE)
        published.append(entry.entry_id)
    return published


async def restate_open(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Restate every open dataset, a page per transaction (so the catalogue's changes wait a page at most), having
    dropped the stored scores of datasets no longer open; how many scores were published."""
    async with sessionmaker() as session, session.begin():
        await repository.forget_closed(session)
    published, after = 0, None
    while True:
        async with sessionmaker() as session, session.begin():
            page = await repository.open_entry_ids(session, after, PAGE)
            published += len(await restate(session, page, now))
        if len(page) < PAGE:
            return published
        after = page[-1]


async def _sweep(app: FastAPI, _: AsyncSession) -> None:
    # Each page in a transaction of its own: the periodic work's session is left unused.
    await restate_open(app.state.sessionmaker, clock_now(app))


@contextlib.asynccontextmanager
async def quality_scores(app: FastAPI) -> AsyncIterator[None]:
    """A lifespan part of open-svc: the scores are computed with the app's licence, and swept now and hourly."""
    LICENCE.follow(app.state.settings)
    async with every("quality-scores", SWEEP_SECONDS, _sweep)(app):
        yield
