"""Change notices: an agency must update its catalogue within 15 working days of a change (A14.2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base


class ChangeNotice(Base):
    __tablename__ = "change_notices"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"))
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(String(500))
    opened_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    state: Mapped[str] = mapped_column(String(10))  # open | met | overdue (overdue ones become met, late, later)
    met_on: Mapped[date | None] = mapped_column(Date)
    met_late: Mapped[bool] = mapped_column(default=False)
    opened_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
