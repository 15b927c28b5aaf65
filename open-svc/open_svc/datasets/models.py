"""What open-svc keeps of each dataset beside the published catalogue's read model: its search index and how often
it was viewed and downloaded (A24.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class DatasetSearch(Base):
    """The search index of one published entry's held version: its words and their character bigrams (hub.search),
    kept by the reaction to each publication. Open or not: the open rule is applied when searching, so an entry
    that becomes open is found at once."""

    __tablename__ = "dataset_search"
    __table_args__ = (Index("ix_dataset_search_bigrams", "bigrams", postgresql_using="gin"),)

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    search_text: Mapped[str] = mapped_column(Text)
    bigrams: Mapped[list[str]] = mapped_column(ARRAY(String(8)))


class DatasetCounters(Base):
    """How often a dataset was viewed and downloaded (A24.1), added to in batches (datasets/counters.py)."""

    __tablename__ = "dataset_counters"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    views: Mapped[int] = mapped_column(BigInteger, default=0)
    downloads: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
