"""Which published version of an entry a read model holds: the value a reaction sees, and the rule deciding whether
an event still changes it (A14.1: others act on the published version only, and on the newest one).

catalog-svc keys an entry's events by its id, so they arrive in order; yet a redelivery (a consumer group
rebalancing, a replay from the topic's start, a republished outbox row) can bring an older version after a newer
one. The rule makes that a no-op: a read model never rolls back. Retirement is final in the catalogue (a retired
entry cannot change), so a retired entry comes back only with a newer version than the one retired.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import BaseDatabase, Category, OpenType, Secrecy, ShareMethod, ShareType, UpdateCycle


@dataclass(frozen=True)
class PublishedVersion:
    """One entry as a read model holds it: the catalogue element set of its published version (EntryPublished's
    fields), and when this service learned of its retirement. What `on_published` and `on_retired` receive."""

    entry_id: UUID
    code: str
    version: int
    name: str
    summary: str
    provider_agency_id: UUID
    region_code: str
    category: Category | None
    base_database: BaseDatabase | None
    share_type: ShareType
    share_conditions: str | None
    share_method: ShareMethod | None
    open_type: OpenType
    open_conditions: str | None
    update_cycle: UpdateCycle
    secrecy: Secrecy
    consent_required: bool
    items: tuple[DataItemSpec, ...]
    published_at: datetime
    share_legal_basis: str | None
    open_legal_basis: str | None
    retired_at: datetime | None

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


# The fields an EntryPublished event sets; the row's other column, retired_at, is the read model's own.
PUBLISHED_FIELDS = tuple(f.name for f in fields(PublishedVersion) if f.name != "retired_at")


def publication_applies(incoming: int, stored_version: int | None, stored_retired: bool = False) -> bool:
    """Whether an EntryPublished of version `incoming` becomes the held version (A14.1).

    An unknown entry takes it; a newer version replaces the held one; the same version again is re-applied (it
    carries the same elements); an older one changes nothing. A retired entry takes only a newer version.
    """
    if stored_version is None:
        return True
    if stored_retired:
        return incoming > stored_version
    return incoming >= stored_version


def retirement_applies(retired: int, stored_version: int | None, stored_retired: bool = False) -> bool:
    """Whether an EntryRetired of version `retired` retires the held entry: one that is held, not yet retired, and
    not republished in a newer version than the one retired (A14.1)."""
    return stored_version is not None and not stored_retired and retired >= stored_version
