"""Share applications, each step they took, and their reviews (A20.1, A20.2, A29.1).

An application names what the consumer agency needs (a subset of the entry's items), the purpose it states on
every pull and the duty or legal basis it serves, and the period (A21.1). Each step is a row of `application_steps`:
who did what, when, from which state to which, with the reasons and the risk level of a decision. A conditional
application has two reviews, each a working-day deadline (hub.deadlines): the provider agency's and the bureau's.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from hub.deadlines import WorkingDayDeadline, running_index
from share_svc.db import Base


class Application(Base):
    __tablename__ = "applications"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # The published version applied for: its items and share terms were those checked.
    entry_version: Mapped[int]
    entry_code: Mapped[str] = mapped_column(String(60))
    consumer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # The entry's region: the bureau of this region (or one holding it) reviews (A4.1, A20.2).
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    items: Mapped[list[str]] = mapped_column(JSONB)
    # What every pull under the grant states (x-hub-purpose), compared as stated here (A21.1).
    purpose: Mapped[str] = mapped_column(String(200))
    # The duty or legal basis the use serves (A21.1: only for the applicant's own duties).
    legal_basis: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(30))
    applied_by: Mapped[str] = mapped_column(String(100))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When it was granted or refused (the first time): what the indicators time (A32.1).
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApplicationStep(Base):
    """One step of an application's lifecycle, attributed and dated; never changed once written."""

    __tablename__ = "application_steps"
    __table_args__ = (Index("ix_application_steps_application", "application_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    action: Mapped[str] = mapped_column(String(40))
    state_before: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(30))
    # The subject who acted (a client or a person of the gateway), or "share-svc" for the hub's own steps.
    actor: Mapped[str] = mapped_column(String(100))
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_region_code: Mapped[str | None] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    risk_level: Mapped[str | None] = mapped_column(String(10))


class Review(WorkingDayDeadline, Base):
    """One party's review of a conditional application (A20.2): the provider agency's officer, or the bureau's
    reviewer of the entry's region. Its due date counts working days from the application (hub.deadlines)."""

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("application_id", "party", name="uq_reviews_application_party"),
        running_index("reviews"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"))
    party: Mapped[str] = mapped_column(String(10))  # provider | bureau
    # Who must decide: the provider agency (its officers), or the bureau of the region.
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    decision: Mapped[str | None] = mapped_column(String(10))  # approve | refuse; None while pending
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    risk_level: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
