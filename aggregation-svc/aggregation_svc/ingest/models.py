"""The big data centre's store: batches, the records they upsert, each record's history, and quarantined rows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base


class Batch(Base):
    """One push of records for one entry (A17.1). Its id is the pusher's: a retried id has no second effect."""

    __tablename__ = "batches"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    submitted_by: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(10))  # http | kafka
    format: Mapped[str] = mapped_column(String(10))  # ndjson | csv | json | kafka
    # replace | merge: how its rows changed the records they found (aggregation_svc.ingest.service)
    mode: Mapped[str] = mapped_column(String(10), server_default="replace")
    # ingesting (only ever seen inside its own transaction) → ingested; or refused (ingest topic only)
    status: Mapped[str] = mapped_column(String(10))
    entry_version: Mapped[int | None] = mapped_column(Integer)
    received: Mapped[int] = mapped_column(Integer, default=0)
    stored: Mapped[int] = mapped_column(Integer, default=0)
    inserted: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    quarantined: Mapped[int] = mapped_column(Integer, default=0)
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    refusal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When its quarantined rows were deleted at the end of their retention (A38.1); their count stays.
    quarantine_purged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Record(Base):
    """The current state of one record of an entry, identified by its key items' values (A17.1).

    Its entry is a published entry of the read model, which ingest, the only writer of records, reads in the
    same transaction; there is no foreign key, whose trigger would run a query for every record stored.
    """

    __tablename__ = "records"
    __table_args__ = (Index("ix_records_consent_id", "consent_id", postgresql_where=text("consent_id IS NOT NULL")),)

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    # The subject's consent the record rests on (A16.1); its revocation takes the record out of every delivery.
    consent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    batch_id: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    # The time of the transaction that stored the record: a batch's rows are COPYed without it, once per row.
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class RecordChange(Base):
    """One change of a record: which batch, which agency, when (A15.2, A17.1, A36.1). Never updated or deleted."""

    __tablename__ = "record_history"
    # Keyed in the order a record's history is read: one index to write per change.
    __table_args__ = (PrimaryKeyConstraint("entry_id", "key", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity())
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    key: Mapped[str] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(String(10))  # inserted | updated | withdrawn
    version: Mapped[int] = mapped_column(Integer)
    batch_id: Mapped[str | None] = mapped_column(String(100))
    row_number: Mapped[int | None] = mapped_column(Integer)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    consent_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class QuarantinedRow(Base):
    """A row of a batch that failed validation, with each problem (field, reason, requirement) and its text."""

    __tablename__ = "quarantined_rows"
    __table_args__ = (
        ForeignKeyConstraint(
            ["entry_id", "batch_id"], ["batches.entry_id", "batches.batch_id"], name="fk_quarantined_rows_batches"
        ),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    batch_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    row_number: Mapped[int] = mapped_column(Integer, primary_key=True)
    problems: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    raw: Mapped[str] = mapped_column(Text)
