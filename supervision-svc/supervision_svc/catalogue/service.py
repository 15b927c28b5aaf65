"""The catalogue's facts, kept current from catalog.events: the agency registry and the published catalogue
(hub.published_catalogue, with the moment each entry was first published) and the change notices announced
overdue (A14.2). Each applies in the consumer's transaction, once per event (the inbox)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.catalog import ChangeNoticeOverdue
from hub.published_catalogue import AgencyDirectory, PublishedEntries, PublishedVersion
from supervision_svc.catalogue.models import KnownAgency, OverdueChangeNotice, PublishedEntry


async def _note_first_publication(
    session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion
) -> None:
    """An entry counts as published from its first version on (A14.1); later versions leave that moment alone."""
    await session.execute(
        update(PublishedEntry)
        .where(PublishedEntry.entry_id == after.entry_id, PublishedEntry.first_published_at.is_(None))
        .values(first_published_at=after.published_at)
    )


directory = AgencyDirectory(KnownAgency)
published_entries = PublishedEntries(PublishedEntry, on_published=_note_first_publication)


async def record_overdue_notice(session: AsyncSession, event: ChangeNoticeOverdue) -> None:
    """The agency missed the notice's due date (A14.2): counted once, whatever redelivers it."""
    values = {"notice_id": event.notice_id, "agency_id": event.agency_id, "region_code": event.region_code,
              "due_on": event.due_on}  # fmt: skip
    await session.execute(
        insert(OverdueChangeNotice).values(values).on_conflict_do_nothing(index_elements=["notice_id"])
    )


def keep_current(handlers: EventHandlers) -> None:
    """Register the handlers of the catalogue's events."""
    directory.keep_current(handlers)
    published_entries.keep_current(handlers)
    handlers.on(ChangeNoticeOverdue)(record_overdue_notice)
