"""The catalogue read model: kept current from catalog.events, and the access rules built on it (A15.1, A15.2)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries import repository
from aggregation_svc.entries.models import PublishedEntry, PublishedItem
from hub.contracts.catalog import DataItemSpec, EntryPublished, EntryRetired
from hub.errors import Forbidden, NotFound, RuleViolation
from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role

_ITEM_FIELDS = {"name", "label", "data_type", "length", "required", "key", "sensitivity"}


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
        return self.row.retired_at is None


async def apply_published(session: AsyncSession, event: EntryPublished) -> None:
    """A version became the published one: the centre now validates records against its items (A15.1).

    Events of one entry arrive in order (keyed by entry id); an older version arriving late changes nothing.
    """
    entry = await repository.entry(session, event.entry_id, lock=True)
    if entry is not None and entry.version > event.version:
        return
    if entry is None:
        entry = PublishedEntry(entry_id=event.entry_id)
        session.add(entry)
    entry.code, entry.version, entry.region_code = event.code, event.version, event.region_code
    entry.provider_agency_id, entry.name, entry.update_cycle = event.provider_agency_id, event.name, event.update_cycle
    entry.share_type, entry.open_type, entry.secrecy = event.share_type, event.open_type, event.secrecy
    entry.consent_required, entry.published_at, entry.retired_at = event.consent_required, event.published_at, None
    entry.category, entry.base_database = event.category, event.base_database
    await session.flush()
    rows = [
        PublishedItem(entry_id=event.entry_id, position=n, **i.model_dump(include=_ITEM_FIELDS))
        for n, i in enumerate(event.items)
    ]
    await repository.replace_items(session, event.entry_id, rows)


async def apply_retired(session: AsyncSession, event: EntryRetired) -> None:
    """The entry left the catalogue: nothing more is collected under it (A15.1)."""
    entry = await repository.entry(session, event.entry_id, lock=True)
    if entry is not None and entry.version <= event.version and entry.retired_at is None:
        entry.retired_at = datetime.now(UTC)


async def known_entry(session: AsyncSession, entry_id: uuid.UUID, *, hold: bool = False) -> KnownEntry | None:
    """The entry with its items, or None when catalog-svc never published it (or it has not arrived yet); `hold`
    keeps both from changing until the transaction ends."""
    entry = await repository.entry(session, entry_id, hold=hold)
    if entry is None:
        return None
    items = await repository.items(session, entry_id)
    return KnownEntry(entry, tuple(_spec(i) for i in items))


def _spec(item: PublishedItem) -> DataItemSpec:
    return DataItemSpec(
        name=item.name, label=item.label, data_type=item.data_type, length=item.length, required=item.required,
        key=item.key, sensitivity=item.sensitivity,
    )  # fmt: skip


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


def is_responsible_agency(caller: Caller, entry: PublishedEntry) -> bool:
    """Whether the caller is a system of the entry's responsible agency (A15.2)."""
    systems = {Role.agency_system, Role.ingest_job}
    return bool(systems.intersection(caller.roles)) and caller.agency_id == str(entry.provider_agency_id)


def require_responsible_agency(caller: Caller, entry: PublishedEntry) -> None:
    """Only the entry's responsible agency pushes or corrects its data (A15.2)."""
    if not is_responsible_agency(caller, entry):
        raise Forbidden(
            f"Only the responsible agency of entry {entry.code} may push or correct its data.", requirement="A15.2"
        )


def _responsible_or_operator_of(caller: Caller, entry: PublishedEntry) -> bool:
    """Whether the caller is the entry's responsible agency (A15.2) or a bureau operator of its region (A4.1); an
    operator of another region is refused here."""
    if is_responsible_agency(caller, entry):
        return True
    if OPERATOR_ROLES.intersection(caller.roles):
        if caller.region_code and region_contains(caller.region_code, entry.region_code):
            return True
        raise Forbidden(f"Entry {entry.code} is outside region {caller.region_code}.", requirement="A4.1")
    return False


def require_reader(caller: Caller, entry: PublishedEntry) -> None:
    """Who reads an entry's records directly: its responsible agency, and bureau operators of its region (A4.1).

    Every other agency obtains them through a grant of the sharing platform, delivered by the gateway (A21.1).
    """
    if not _responsible_or_operator_of(caller, entry):
        raise Forbidden(
            f"Entry {entry.code}'s records go to other agencies only through a grant of the sharing platform.",
            requirement="A21.1",
        )


def require_viewer(caller: Caller, entry: PublishedEntry) -> None:
    """Who sees what the centre holds of an entry (its items, whether it accepts data): its responsible agency,
    which pushes its data (A15.2), and bureau operators of its region (A4.1). The published catalogue itself is
    catalog-svc's to show."""
    if not _responsible_or_operator_of(caller, entry):
        raise Forbidden(
            f"Only the responsible agency of entry {entry.code} and the bureau of its region see it in the centre.",
            requirement="A15.2",
        )
