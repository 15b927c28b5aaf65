"""A service's read model of published catalogue entries: kept current from catalog.events, and its queries.

`PublishedEntries(PublishedEntry).keep_current(handlers)` in the service's consumers.py registers the handlers of
EntryPublished (a first or a newer version, A14.1) and EntryRetired. Each applies in the consumer's transaction, so
the change commits with the event's inbox record: once per event. A service reacts to a change through the hooks,
in the same transaction (its own writes and outbox events commit with the change, or not at all):

* `on_published(session, before, after)`: a version became the held one; `before` is what was held (None for an
  entry new to the service). Called whenever the version rule let the event apply, the held version delivered
  again included: a reaction compares `before` with `after` (a new version, an open type that changed …).
* `on_retired(session, entry)`: the entry left the catalogue.

A service registers no handler of its own for these events (the registry keeps one per event type): it reacts here.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

import structlog
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.catalog import EntryPublished, EntryRetired
from hub.published_catalogue.tables import PublishedEntryMixin
from hub.published_catalogue.versions import (
    PUBLISHED_FIELDS,
    PublishedVersion,
    publication_applies,
    retirement_applies,
)
from hub.regions import region_contains

log = structlog.get_logger(__name__)

E = TypeVar("E", bound=PublishedEntryMixin)
OnPublished = Callable[[AsyncSession, PublishedVersion | None, PublishedVersion], Awaitable[None]]
OnRetired = Callable[[AsyncSession, PublishedVersion], Awaitable[None]]

# Longest page a listing returns.
MAX_PAGE = 500


@dataclass(frozen=True)
class PublishedEntries(Generic[E]):
    """The read model kept in one service's table of `PublishedEntryMixin`, with the service's reactions."""

    model: type[E]
    on_published: OnPublished | None = None
    on_retired: OnRetired | None = None

    def keep_current(self, handlers: EventHandlers) -> None:
        """Register the handlers of EntryPublished and EntryRetired; refused if the service already has one."""
        for event in (EntryPublished, EntryRetired):
            if handlers.route(event.type) is not None:
                raise ValueError(f"{event.type} already has a handler: react through on_published / on_retired")
        handlers.on(EntryPublished)(self.apply_published)
        handlers.on(EntryRetired)(self.apply_retired)

    async def apply_published(self, session: AsyncSession, event: EntryPublished) -> None:
        """Hold the event's version unless the one held is newer, or retired at this version (A14.1)."""
        row = await self.entry(session, event.entry_id, lock=True)
        before = row.snapshot() if row is not None else None
        if not publication_applies(event.version, row.version if row else None, row.retired if row else False):
            log.info("stale version of a published entry ignored", entry_id=str(event.entry_id), version=event.version)
            return
        if row is None:
            row = self.model()
            session.add(row)
        values = {name: getattr(event, name) for name in PUBLISHED_FIELDS} | {"items": tuple(event.items)}
        for name, value in values.items():
            setattr(row, name, value)
        row.retired_at = None
        await session.flush()
        if self.on_published is not None:
            await self.on_published(session, before, row.snapshot())

    async def apply_retired(self, session: AsyncSession, event: EntryRetired) -> None:
        """Mark the entry retired: nothing more is collected, shared or opened under it."""
        row = await self.entry(session, event.entry_id, lock=True)
        if row is None:
            # One entry's events share a partition, so its publication came first; missing, it was lost to the
            # topic's retention before this service first read it, and there is nothing to retire.
            log.warning("retirement of an entry never seen published", entry_id=str(event.entry_id))
            return
        if not retirement_applies(event.version, row.version, row.retired):
            return
        row.retired_at = datetime.now(UTC)
        await session.flush()
        if self.on_retired is not None:
            await self.on_retired(session, row.snapshot())

    async def entry(
        self, session: AsyncSession, entry_id: uuid.UUID, *, lock: bool = False, hold: bool = False
    ) -> E | None:
        """The entry, retired or not; `lock` to change it (FOR UPDATE), `hold` to keep it from changing until the
        transaction ends (FOR KEY SHARE: a new version or a retirement waits for the transaction)."""
        if hold:
            return await session.get(self.model, entry_id, with_for_update={"read": True, "key_share": True})
        return await session.get(self.model, entry_id, with_for_update=lock)

    async def entries_of_agency(
        self, session: AsyncSession, agency_id: uuid.UUID, *, retired: bool = False, after: str | None = None,
        limit: int = 100,
    ) -> Sequence[E]:  # fmt: skip
        """The agency's entries in code order, a page after code `after`; retired ones only if asked."""
        query = self._page(retired, after, limit).where(self.model.provider_agency_id == agency_id)
        return (await session.execute(query)).scalars().all()

    async def entries_in_region(
        self, session: AsyncSession, region_code: str, *, retired: bool = False, after: str | None = None,
        limit: int = 100,
    ) -> Sequence[E]:  # fmt: skip
        """The entries of the region and of every region within it (A4.1), in code order, a page after `after`."""
        regions = await self.regions_within(session, region_code)
        query = self._page(retired, after, limit).where(self.model.region_code.in_(regions))
        return (await session.execute(query)).scalars().all()

    async def regions_within(self, session: AsyncSession, region_code: str) -> list[str]:
        """The regions held entries are in that lie within `region_code` (itself included), decided by the mesh's
        one region rule (hub.regions) over the few dozen regions of a city: for a service's own SQL filters."""
        held = (await session.execute(select(self.model.region_code).distinct())).scalars()
        return [code for code in held if region_contains(region_code, code)]

    def _page(self, retired: bool, after: str | None, limit: int) -> Select[E]:
        model = self.model
        query = select(model).order_by(model.code).limit(max(1, min(limit, MAX_PAGE)))
        if not retired:
            query = query.where(model.retired_at.is_(None))
        if after is not None:
            query = query.where(model.code > after)
        return query
