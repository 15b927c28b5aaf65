"""The authoritative-source register: which agency's entry is the one source of a data item (A15.3)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base


class AuthoritativeSource(Base):
    """`item_label` (e.g. 居民身份证号码) is collected once, by `agency_id`, in entry `entry_code`."""

    __tablename__ = "authoritative_sources"

    item_label: Mapped[str] = mapped_column(String(100), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), ForeignKey("agencies.id"))
    entry_code: Mapped[str] = mapped_column(String(60))
    registered_by: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
