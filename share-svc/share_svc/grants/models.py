"""Grants: what a consumer agency may obtain from the big data centre, for which purpose, until when (A21.1).

A grant is issued when its application is granted (at once for an unconditional entry, A20.1). It may be narrowed
by a new catalogue version, revoked, and it expires at `valid_until`; the centre checks every delivery against its
read model of these rows (fed by share.events).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from share_svc.db import Base


class Grant(Base):
    __tablename__ = "grants"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    entry_version: Mapped[int]
    consumer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    items: Mapped[list[str]] = mapped_column(JSONB)
    purpose: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    narrowed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
