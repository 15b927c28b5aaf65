"""Consent records (知情同意): what a data subject agreed to, and whether it still holds (A16.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base


class Consent(Base):
    """A subject's consent to collection beyond statute, as the collecting agency obtained it (A16.1).

    It records what the subject was told: the purpose, method and scope of collection, and the channels to query
    and correct the data; the entries it covers; when it was given; and its revocation.
    """

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_agency_id", "agency_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    subject: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    method: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    entry_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(UUID(as_uuid=True)))
    query_channel: Mapped[str] = mapped_column(Text)
    correction_channel: Mapped[str] = mapped_column(Text)
    given_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    revocation_reason: Mapped[str | None] = mapped_column(Text)
