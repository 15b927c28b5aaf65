"""Quality snapshots: one row per entry and measurement, kept as history (A25.1, A32.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, Float, Identity, Index, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base


class QualitySnapshot(Base):
    """An entry's quality indicators at one moment; never updated, so the table is the history."""

    __tablename__ = "quality_snapshots"
    __table_args__ = (
        Index("ix_quality_snapshots_entry_id_taken_at", "entry_id", "taken_at"),
        Index("ix_quality_snapshots_agency_id_taken_at", "agency_id", "taken_at"),
        Index("ix_quality_snapshots_region_code_taken_at", "region_code", "taken_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The entry's agency and region when measured: rollups follow the entry as it was.
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    update_cycle: Mapped[str] = mapped_column(String(20))
    taken_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    records: Mapped[int] = mapped_column(Integer)
    complete_records: Mapped[int] = mapped_column(Integer)
    distinct_keys: Mapped[int] = mapped_column(Integer)
    accepted_rows: Mapped[int] = mapped_column(BigInteger)
    quarantined_rows: Mapped[int] = mapped_column(BigInteger)
    completeness: Mapped[float | None] = mapped_column(Float)
    validity: Mapped[float | None] = mapped_column(Float)
    uniqueness: Mapped[float | None] = mapped_column(Float)
    last_ingested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    due_by: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    stale: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float | None] = mapped_column(Float)
