"""The replica of open data: the records of open entries as the centre published them on the open-records changelog
(hub.contracts.open_records), and where the replica stands in that topic."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class OpenRecord(Base):
    """One record of an open entry (A22.1, A24.1): its key (the key items' values) and data, as the centre holds
    them; `updated_at` is when the centre published this content."""

    __tablename__ = "open_records"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    key: Mapped[str] = mapped_column(Text, primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReplicaPosition(Base):
    """How far the replica has applied one partition of the changelog: its next offset, written in the transaction
    that applies the messages before it (-1: replay the partition from its start, after a rebuild), and when the
    replica last had read the partition to its end (a replica away longer than tombstones are kept rebuilds)."""

    __tablename__ = "open_replica_positions"

    partition: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    next_offset: Mapped[int] = mapped_column(BigInteger)
    caught_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
