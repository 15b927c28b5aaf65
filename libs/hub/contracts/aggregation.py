"""Events of the big data centre: `aggregation.events` (published by aggregation-svc through its outbox) and
`aggregation.ingest` (record batches of the data-centre ingest jobs, consumed by aggregation-svc).

Consumers (open-svc: quality and open lists) parse these without importing aggregation-svc. Events carry counts
and ids, never the records' data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from pydantic import BaseModel, Field

from hub.events import Event

# A batch id is chosen by the pushing system; it names the batch in URLs and reports.
BATCH_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$"


class AggregationEvent(Event):
    topic: ClassVar[str] = "aggregation.events"


class BatchIngested(AggregationEvent):
    """A batch of records was validated against the entry's data items and stored (A17.1, A15.1)."""

    type: ClassVar[str] = "aggregation.batch.ingested"

    entry_id: UUID
    entry_version: int
    batch_id: str
    agency_id: UUID
    channel: str  # http | kafka
    received: int
    stored: int
    inserted: int
    updated: int
    quarantined: int
    ingested_at: datetime

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class QuarantineCount(BaseModel):
    """How many rows of a batch one problem set aside."""

    field: str
    requirement: str
    rows: int


class RowsQuarantined(AggregationEvent):
    """Rows of a batch failed validation and were set aside with their reasons (A17.1, A16.1)."""

    type: ClassVar[str] = "aggregation.rows.quarantined"

    entry_id: UUID
    batch_id: str
    agency_id: UUID
    quarantined: int
    by_problem: list[QuarantineCount]

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class BatchRefused(AggregationEvent):
    """A batch from the ingest topic was refused whole and nothing of it was stored (A15.1, A15.2, A17.1)."""

    type: ClassVar[str] = "aggregation.batch.refused"

    entry_id: UUID
    batch_id: str
    agency_id: UUID
    requirement: str | None
    detail: str

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class ConsentRevoked(AggregationEvent):
    """A data subject withdrew consent: the records resting on it leave every later delivery (A16.1)."""

    type: ClassVar[str] = "aggregation.consent.revoked"

    consent_id: UUID
    agency_id: UUID
    entry_ids: list[UUID]
    records_withdrawn: int
    revoked_at: datetime

    def aggregate_id(self) -> str:
        return str(self.consent_id)


class EntryStale(AggregationEvent):
    """An entry's data went a whole update cycle without a successful ingest (A25.1, A32.1).

    Emitted once when a quality snapshot first finds the entry stale; again only after fresh data and a new lapse.
    `last_ingested_at` is null for an entry never ingested (then measured from its publication).
    """

    type: ClassVar[str] = "aggregation.entry.stale"

    entry_id: UUID
    agency_id: UUID
    region_code: str
    update_cycle: str
    last_ingested_at: datetime | None
    due_by: datetime
    detected_at: datetime

    def aggregate_id(self) -> str:
        return str(self.entry_id)


class IngestEvent(Event):
    topic: ClassVar[str] = "aggregation.ingest"


class BatchSubmitted(IngestEvent):
    """A data-centre ingest job's batch of records for one entry (A17.1): one message per batch.

    `agency_id` is the agency the job pushes for; it must be the entry's responsible agency (A15.2). Records are
    JSON objects keyed by data item name, as in the HTTP bulk API.
    """

    type: ClassVar[str] = "aggregation.batch.submitted"

    batch_id: str = Field(pattern=BATCH_ID_PATTERN)
    entry_id: UUID
    agency_id: UUID
    job: str = Field(min_length=1, max_length=200)
    records: list[dict[str, Any]]

    def aggregate_id(self) -> str:
        return str(self.entry_id)
