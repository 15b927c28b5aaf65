"""Data keys (数据密钥) of conditional open data (A24.3): issued to the applicant of an application whose agreement
was accepted, scoped to the entry and the approved items, checked by open-svc on every call for the dataset's
records, revocable. Only a digest of the key is kept: the key itself is shown once."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class DataKey(Base):
    __tablename__ = "open_data_keys"
    # One live key per application: issuing a new one revokes the old (the application's row lock orders them).
    __table_args__ = (
        Index("uq_open_data_keys_live", "application_id", unique=True, postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("open_applications.id"))
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The portal account the key was issued to: a call with it must come from that account.
    holder: Mapped[str] = mapped_column(String(100))
    items: Mapped[list[str]] = mapped_column(JSONB)
    # SHA-256 of the key, hex: what a call's key is looked up by.
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    # The key's first characters, so its holder can tell keys apart; too few to guess the rest from.
    hint: Mapped[str] = mapped_column(String(12))
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(100))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
