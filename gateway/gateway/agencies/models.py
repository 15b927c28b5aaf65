"""The gateway's read model of the agency registry, fed by catalog.events."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base


class KnownAgency(Base):
    """An agency catalog-svc registered (A2.1), as its events announced it: what a client may be bound to, and
    the region whose administrators may bind it (A4.1, A15.2)."""

    __tablename__ = "known_agencies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(12))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
