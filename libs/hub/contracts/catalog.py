"""Events on `catalog.events`, published by catalog-svc: the agency registry and the unified catalogue.

Other services build their read models from these (aggregation-svc: what it may accept, A15.1; share-svc and
open-svc: what may be shared or opened, A19–A24). Every schema is published in docs/events/ (make docs-events).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, Field

from hub.contracts.vocabulary import (
    AgencyKind,
    BaseDatabase,
    Category,
    ItemType,
    OpenType,
    Secrecy,
    Sensitivity,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from hub.events import Event


class CatalogEvent(Event):
    topic: ClassVar[str] = "catalog.events"


class AgencyRegistered(CatalogEvent):
    """A public management and service agency (公共管理服务机构) joined the registry (A2.1)."""

    type: ClassVar[str] = "catalog.agency.registered"

    agency_id: UUID
    credit_code: str
    name: str
    kind: AgencyKind
    region_code: str

    def aggregate_id(self) -> str:
        return str(self.agency_id)


class AgencyChanged(CatalogEvent):
    """An agency's name, duties (职责), data unit or responsible person changed (A14.2, A31.1)."""

    type: ClassVar[str] = "catalog.agency.changed"

    agency_id: UUID
    name: str
    region_code: str
    duties_changed: bool

    def aggregate_id(self) -> str:
        return str(self.agency_id)


class DataItemSpec(BaseModel):
    """One declared data item of an entry (信息项): what the big data centre validates records against."""

    name: str
    label: str
    data_type: ItemType
    length: int | None = None
    required: bool = False
    key: bool = False
    sensitivity: Sensitivity = Sensitivity.internal


class EntryLifecycleEvent(CatalogEvent):
    entry_id: UUID
    code: str
    version: int
    region_code: str
    provider_agency_id: UUID

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class EntrySubmitted(EntryLifecycleEvent):
    """A version went to the bureau for review (A14.1)."""

    type: ClassVar[str] = "catalog.entry.submitted"
    source_conflicts: list[dict[str, Any]]


class EntryReturned(EntryLifecycleEvent):
    """The bureau returned a version to its agency, with reasons (A14.1)."""

    type: ClassVar[str] = "catalog.entry.returned"
    reasons: list[str]


class EntryPublished(EntryLifecycleEvent):
    """A version became the published one: the catalogue element set others act on (A14.1, A15.1, A19, A22)."""

    type: ClassVar[str] = "catalog.entry.published"

    name: str
    summary: str
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
    items: list[DataItemSpec]
    published_at: datetime
    # The law or regulation behind a conditional or not-shared entry (A19.2) and a not-open one (A22.1): what a
    # refusal cites. Default None: events published before the fields existed still parse.
    share_legal_basis: str | None = None
    open_legal_basis: str | None = None


class EntryChanged(EntryLifecycleEvent):
    """A published entry got a new draft version (its published version stays visible until replaced)."""

    type: ClassVar[str] = "catalog.entry.changed"


class EntryRetired(EntryLifecycleEvent):
    """An entry left the catalogue: nothing more is collected, shared or opened under it."""

    type: ClassVar[str] = "catalog.entry.retired"


class ChangeNoticeEvent(CatalogEvent):
    notice_id: UUID
    entry_id: UUID
    agency_id: UUID
    region_code: str
    due_on: date
    # Defaults to False so that events published before the field existed still parse.
    provisional: bool = Field(
        default=False,
        description="due_on was counted on weekends alone where the working-day calendar does not cover the span "
        "yet; catalog.change_notice.due_date_recomputed follows when the calendar is extended",
    )

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class ChangeNoticeOpened(ChangeNoticeEvent):
    """The agency must update the entry within 15 working days (A14.2)."""

    type: ClassVar[str] = "catalog.change_notice.opened"
    reason: str


class ChangeNoticeMet(ChangeNoticeEvent):
    """The agency submitted the updated entry (late if after the due date)."""

    type: ClassVar[str] = "catalog.change_notice.met"
    met_on: date
    late: bool


class ChangeNoticeOverdue(ChangeNoticeEvent):
    """The due date passed without an update: counted against the agency (A14.2, A32.1)."""

    type: ClassVar[str] = "catalog.change_notice.overdue"


class ChangeNoticeDueSoon(ChangeNoticeEvent):
    """The due date is at most 3 working days away and the entry is not updated yet (A14.2)."""

    type: ClassVar[str] = "catalog.change_notice.due_soon"


class ChangeNoticeDueDateRecomputed(ChangeNoticeEvent):
    """A provisional due date was recomputed on an extended working-day calendar (A14.2)."""

    type: ClassVar[str] = "catalog.change_notice.due_date_recomputed"
    previous_due_on: date
