"""The read model of the unified catalogue that the centre accepts data for, fed by catalog.events (A15.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base


class PublishedEntry(Base):
    """The published version of a catalogue entry, as catalog-svc announced it; retired ones stay, flagged."""

    __tablename__ = "published_entries"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(12))
    # The one agency that collects, updates and answers for the entry's data (A15.2).
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(String(200))
    update_cycle: Mapped[str] = mapped_column(String(20))
    # base / theme / department, and for a base entry which of the five base databases it belongs to (A18.1).
    category: Mapped[str | None] = mapped_column(String(20))
    base_database: Mapped[str | None] = mapped_column(String(40))
    share_type: Mapped[str] = mapped_column(String(20))
    open_type: Mapped[str] = mapped_column(String(20))
    secrecy: Mapped[str] = mapped_column(String(20))
    consent_required: Mapped[bool] = mapped_column(Boolean)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class PublishedItem(Base):
    """One declared data item (信息项) of a published entry: what records are validated against (A15.1, A17.1)."""

    __tablename__ = "published_items"

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("published_entries.entry_id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(100))
    data_type: Mapped[str] = mapped_column(String(20))
    length: Mapped[int | None] = mapped_column(Integer)
    required: Mapped[bool] = mapped_column(Boolean)
    key: Mapped[bool] = mapped_column(Boolean)
    sensitivity: Mapped[str] = mapped_column(String(20))
