"""What the open platform does when the catalogue's changes reach it (the published catalogue's hooks,
hub.published_catalogue.entries): in the consumer's transaction, so each happens once per change, with the change.

A newly held version is indexed for the dataset search and dated in its agency's open list (A23.1); a retirement is
dated there too. Either restates the dataset's quality score (A25.1, quality/scores.py). Whether an entry is shown
at all is decided when it is read (hub.published_catalogue.openness), so an entry that stops being open leaves every
list, search and download as this transaction commits.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.published_catalogue import PublishedVersion
from open_svc.datasets.service import index_entry
from open_svc.openlists.service import record_publication, record_retirement
from open_svc.quality.scores import restate


async def entry_published(session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
    """A version of an entry became the held one."""
    await index_entry(session, after)
    await record_publication(session, before, after)
    await restate(session, [after.entry_id], datetime.now(UTC))


async def entry_retired(session: AsyncSession, entry: PublishedVersion) -> None:
    """An entry left the catalogue."""
    await record_retirement(session, entry)
    await restate(session, [entry.entry_id], datetime.now(UTC))
