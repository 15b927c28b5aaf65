"""The agency registry's tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base


class Agency(Base):
    """A public management and service agency (A2.1), with its data unit and responsible person (A31.1)."""

    __tablename__ = "agencies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    region_code: Mapped[str] = mapped_column(String(12))
    duties: Mapped[str] = mapped_column(String(4000), default="")
    data_unit: Mapped[str] = mapped_column(String(200))
    responsible_person: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
