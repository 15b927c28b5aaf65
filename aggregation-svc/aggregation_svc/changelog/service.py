"""When records of an entry go to the open-records changelog again: the hooks of ingest and of the catalogue read
model, each writing its pending row in the transaction of the change (see aggregation_svc.changelog)."""

from __future__ import annotations

import dataclasses

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.changelog import repository
from aggregation_svc.entries.models import PublishedEntry
from aggregation_svc.ingest.writes import ChunkWrites
from hub.published_catalogue import PublishedVersion
from hub.published_catalogue.openness import is_open


async def note_stored_records(session: AsyncSession, entry: PublishedEntry, writes: ChunkWrites) -> None:
    """A chunk of a batch stored these records of the entry: they publish again if the entry is open (A22.1).

    The batch holds its entry until it commits, so an entry not open now cannot open before the batch's records
    are committed; when it opens, the whole entry publishes (`on_published`).
    """
    if (writes.inserts or writes.updates) and is_open(entry):
        keys = [change.row.key for change in (*writes.inserts, *writes.updates)]
        await repository.note_keys(session, entry.entry_id, keys)


async def on_published(session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
    """A new version of an entry: when it made the entry open, or no longer open (its open type, its secrecy,
    A22.1, A38.1), every record of the entry publishes again: its data, or a tombstone."""
    if (before is not None and is_open(before)) != is_open(after):
        await repository.note_entry(session, after.entry_id)


async def on_retired(session: AsyncSession, entry: PublishedVersion) -> None:
    """A retired entry is not open: the records it published are tombstoned."""
    if is_open(dataclasses.replace(entry, retired_at=None)):
        await repository.note_entry(session, entry.entry_id)
