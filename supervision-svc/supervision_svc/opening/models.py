"""The open platform as the indicator system reads it: open applications and their answers (A24.2), the replies
announced overdue, error reports and objections (A26.1), demand requests (A27.1) and datasets' quality scores
(A25.1)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from supervision_svc.db import Base


class OpenApplication(Base):
    """A conditional open application to the collecting agency of an entry, in the entry's region (A24.2)."""

    __tablename__ = "open_applications"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class OverdueOpenReply(Base):
    """An open application whose 10 working days to answer passed without an answer (A24.2)."""

    __tablename__ = "open_overdue_replies"

    application_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)


class ErrorReport(Base):
    """An error report or objection on a dataset, routed to its responsible agency (A26.1)."""

    __tablename__ = "error_reports"

    report_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class Demand(Base):
    """A request for data to be opened, and when the bureau answered it (A27.1); of the agency whose data it asks
    for, in its region, or of neither when it names no agency: the city's, as in open-svc."""

    __tablename__ = "demands"

    demand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str | None] = mapped_column(String(12))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)


class QualityScore(Base):
    """An open dataset's quality score (0–100) from a moment on, until the next one (A25.1)."""

    __tablename__ = "quality_scores"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    score: Mapped[float] = mapped_column(Float)
