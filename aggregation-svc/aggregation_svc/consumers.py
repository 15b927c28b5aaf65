"""The events aggregation-svc consumes, and what each one does.

catalog.events keeps the read model of published entries (what the centre accepts, A15.1); aggregation.ingest
carries the data-centre ingest jobs' record batches (A17.1).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.service import apply_published, apply_retired
from aggregation_svc.ingest.service import ingest_submitted
from hub.consumer import EventHandlers
from hub.contracts.aggregation import BatchSubmitted
from hub.contracts.catalog import EntryPublished, EntryRetired

handlers = EventHandlers()


@handlers.on(EntryPublished)
async def on_entry_published(session: AsyncSession, event: EntryPublished) -> None:
    await apply_published(session, event)


@handlers.on(EntryRetired)
async def on_entry_retired(session: AsyncSession, event: EntryRetired) -> None:
    await apply_retired(session, event)


@handlers.on(BatchSubmitted)
async def on_batch_submitted(session: AsyncSession, event: BatchSubmitted) -> None:
    await ingest_submitted(session, event)
