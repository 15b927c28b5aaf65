"""The catalogue read model: the mesh's shared one (hub.published_catalogue), kept current from catalog.events, and
what the centre accepts data for (A15.1). Who sees an entry here is `entries.scope`'s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.changelog import service as changelog
from aggregation_svc.entries.models import PublishedEntry
from hub.contracts.catalog import DataItemSpec
from hub.errors import NotFound, RuleViolation
from hub.published_catalogue import PublishedEntries

# The published entries and their items. Records already stored stay under their entry whatever its new version
# declares, and a batch is checked against the version it held; the centre's one reaction is the open-records
# changelog's, when an entry becomes open or stops being open (A22.1).
published_entries = PublishedEntries(
    PublishedEntry, on_published=changelog.on_published, on_retired=changelog.on_retired
)


@dataclass(frozen=True)
class KnownEntry:
    """A published entry with its data items, in declaration order."""

    row: PublishedEntry
    items: tuple[DataItemSpec, ...]

    @property
    def entry_id(self) -> uuid.UUID:
        return self.row.entry_id

    @property
    def accepting(self) -> bool:
        """Whether the centre takes data for it: published and not retired (A15.1)."""
        return not self.row.retired


async def known_entry(session: AsyncSession, entry_id: uuid.UUID, *, hold: bool = False) -> KnownEntry | None:
    """The entry with its items (one read of one row), or None when catalog-svc never published it (or it has not
    arrived yet); `hold` keeps it from changing until the transaction ends."""
    row = await published_entries.entry(session, entry_id, hold=hold)
    return None if row is None else KnownEntry(row, row.items)


async def entry_or_404(session: AsyncSession, entry_id: uuid.UUID) -> KnownEntry:
    entry = await known_entry(session, entry_id)
    if entry is None:
        raise NotFound(f"The big data centre knows no published entry {entry_id}.")
    return entry


async def accepting_entry(session: AsyncSession, entry_id: uuid.UUID) -> KnownEntry:
    """The entry records may be pushed for; refused unless it is published and not retired (A15.1).

    It is held until the transaction ends: a retirement or a new version waits for the batch being stored, which
    is checked against these items and stored under an entry still accepting data.
    """
    entry = await known_entry(session, entry_id, hold=True)
    if entry is None:
        raise RuleViolation(
            f"Entry {entry_id} is not a published catalogue entry: the centre collects only within the catalogue.",
            requirement="A15.1",
            errors=[{"field": "entry_id", "message": "not published", "requirement": "A15.1"}],
        )
    if not entry.accepting:
        raise RuleViolation(
            f"Entry {entry.row.code} was retired from the catalogue: nothing more is collected under it.",
            requirement="A15.1",
            errors=[{"field": "entry_id", "message": "retired", "requirement": "A15.1"}],
        )
    return entry
