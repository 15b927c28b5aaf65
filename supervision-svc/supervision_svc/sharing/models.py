"""The sharing platform as the indicator system reads it (A20.2): when each conditional application was made and
when its provider agency decided it, and the reviews announced overdue."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from supervision_svc.db import Base


class ShareApplication(Base):
    """A share application of a provider agency's entry, in the entry's region; either moment may be learned
    first (the events of one application arrive in order, but a replay may start anywhere)."""

    __tablename__ = "share_applications"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    provider_decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class OverdueReview(Base):
    """A review past its working-day due date without a decision (A20.2): the provider agency's officer's
    (`party` provider) or the bureau's of the region (`party` bureau)."""

    __tablename__ = "share_overdue_reviews"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    party: Mapped[str] = mapped_column(String(10), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)
