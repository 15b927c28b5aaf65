"""The register of legacy point-to-point channels as the indicator system reads it (A12.1)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from supervision_svc.db import Base


class ChannelStatement(Base):
    """A channel's status from `stated_at` on, until its next statement; the history stays, so a period reads the
    register as it stood when the period ended."""

    __tablename__ = "legacy_channel_statements"

    channel_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    stated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(20))
