"""Disputes over refused share applications, and each step they took (A20.3).

A refused applicant disputes the refusal once: one dispute per application. The bureau of the application's region
records its coordination notes, and decides, or escalates to the region's government and records that
government's decision (authority, reference, date). Each step is a row of `dispute_steps`: who did what, when,
from which state to which, with the text of a note or the reasons of a decision.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import BigInteger, Date, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from share_svc.db import Base


class Dispute(Base):
    __tablename__ = "disputes"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    # A refused application is disputed once: the application lifecycle never returns to refused (A20.3).
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("applications.id"), unique=True)
    # The application's (the entry's) region: its bureau coordinates and decides (A4.1, A20.3).
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    consumer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    statement: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), index=True)
    raised_by: Mapped[str] = mapped_column(String(100))
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # When the bureau referred it to the region's government, to which authority, and why.
    escalated_by: Mapped[str | None] = mapped_column(String(100))
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    escalated_to: Mapped[str | None] = mapped_column(String(200))
    escalation_reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    # The decision: upheld or dismissed, by the bureau or by the government (then its authority, the reference of
    # its decision and the day it was made), why, and the risk the resulting sharing was assessed to carry (A29.1).
    outcome: Mapped[str | None] = mapped_column(String(10))
    decided_by_kind: Mapped[str | None] = mapped_column(String(10))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    authority: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(200))
    decided_on: Mapped[date | None] = mapped_column(Date)
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    risk_level: Mapped[str | None] = mapped_column(String(10))
    # The grant an upheld dispute issued.
    grant_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class DisputeStep(Base):
    """One step of a dispute, attributed and dated; never changed once written. A note is a step with its text."""

    __tablename__ = "dispute_steps"
    __table_args__ = (Index("ix_dispute_steps_dispute", "dispute_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    dispute_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disputes.id"))
    action: Mapped[str] = mapped_column(String(40))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    # The subject who acted (a client or a person of the gateway), or "share-svc" for the hub's own steps.
    actor: Mapped[str] = mapped_column(String(100))
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    actor_region_code: Mapped[str | None] = mapped_column(String(12))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The statement of a raise, the text of a note.
    text: Mapped[str | None] = mapped_column(Text)
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    outcome: Mapped[str | None] = mapped_column(String(10))
