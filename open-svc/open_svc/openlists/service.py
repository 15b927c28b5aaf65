"""Use cases of the open lists (A23.1): each agency's list, generated from its published open entries, and its
dated history, written when the catalogue's changes reach open-svc."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import OpenListChanged
from hub.contracts.vocabulary import OpenType
from hub.errors import NotFound
from hub.outbox import record_event
from hub.published_catalogue import PublishedVersion
from open_svc.catalogue.models import KnownAgency
from open_svc.datasets import repository as datasets
from open_svc.openlists import repository
from open_svc.openlists.models import OpenListChange
from open_svc.openlists.rules import ListChange, publication_change, retirement_change
from open_svc.openlists.schemas import (
    AgencyList,
    AgencyListsPage,
    HistoryPage,
    ListChangeOut,
    ListedEntry,
    OpenListOut,
)

SOURCE = "/hub/open"


async def record_publication(session: AsyncSession, before: PublishedVersion | None, after: PublishedVersion) -> None:
    """Date the change a new held version makes to its agency's open list, if any, and announce it (A23.1)."""
    change = publication_change(before, after)
    if change is not None:
        await _record(session, after, change)


async def record_retirement(session: AsyncSession, entry: PublishedVersion) -> None:
    """Date the removal of a retired entry from its agency's open list, if it was listed (A23.1)."""
    change = retirement_change(entry)
    if change is not None:
        await _record(session, entry, change)


async def _record(session: AsyncSession, entry: PublishedVersion, change: ListChange) -> None:
    at = datetime.now(UTC)
    repository.add_change(
        session,
        OpenListChange(
            agency_id=entry.provider_agency_id, entry_id=entry.entry_id, code=entry.code, name=entry.name,
            version=entry.version, change=change.change, open_type=change.open_type.value, changes=change.changes,
            at=at, published_at=entry.published_at,
        ),
    )  # fmt: skip
    event = OpenListChanged(
        agency_id=entry.provider_agency_id, entry_id=entry.entry_id, code=entry.code, name=entry.name,
        version=entry.version, change=change.change, open_type=change.open_type, fields=sorted(change.changes),
        at=at, published_at=entry.published_at,
    )  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def agency_lists(session: AsyncSession, limit: int, offset: int) -> AgencyListsPage:
    """Every agency that has or had an open list, with its counts, by name (A23.1)."""
    rows = await repository.agencies_with_lists(session, limit, offset)
    items = [AgencyList.model_validate(dict(row)) for row in rows]
    return AgencyListsPage(limit=limit, offset=offset, items=items)


async def _agency(session: AsyncSession, agency_id: uuid.UUID) -> KnownAgency | None:
    """The agency, refused (404) when open-svc knows neither it nor a list of it."""
    agency = await session.get(KnownAgency, agency_id)
    if agency is None and not await repository.has_history(session, agency_id):
        raise NotFound(f"No agency {agency_id} is known to the open platform.")
    return agency


async def open_list(session: AsyncSession, agency_id: uuid.UUID, after: str | None, limit: int) -> OpenListOut:
    """The agency's open list: a page of its open entries in code order, with its counts (A23.1)."""
    agency = await _agency(session, agency_id)
    entries = await datasets.open_entries_of_agency(session, agency_id, after, limit)
    counts = await repository.listed_by_open_type(session, agency_id)
    return OpenListOut(
        agency_id=agency_id,
        agency_name=agency.name if agency else None,
        changed_at=await repository.last_changed(session, agency_id),
        items=[ListedEntry.model_validate(e) for e in entries],
        next_after=entries[-1].code if len(entries) == limit else None,
        total=sum(counts.values()),
        unconditional=counts.get(OpenType.unconditional, 0),
        conditional=counts.get(OpenType.conditional, 0),
    )


async def history(session: AsyncSession, agency_id: uuid.UUID, before: int | None, limit: int) -> HistoryPage:
    """The agency's open-list changes, newest first, each dated (A23.1)."""
    await _agency(session, agency_id)
    changes = await repository.changes(session, agency_id, before, limit)
    return HistoryPage(
        agency_id=agency_id,
        items=[ListChangeOut.model_validate(c) for c in changes],
        next_before=changes[-1].id if len(changes) == limit else None,
    )
