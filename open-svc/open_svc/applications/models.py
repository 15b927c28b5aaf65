"""Conditional open applications and each step they took (A24.2, A24.3).

An application names the dataset (a conditional open entry), the items it needs, the purpose and the data format,
and who applies: the portal account (`applicant`, the gateway's subject) and the identity the applicant declares
for it, a citizen, a legal person or an organisation (the gateway's account holds only a login). The collecting
agency's answer is a working-day deadline (hub.deadlines) running from the application.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, String, Text, func
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from hub.deadlines import WorkingDayDeadline, running_index
from open_svc.db import Base


class OpenApplication(WorkingDayDeadline, Base):
    __tablename__ = "open_applications"
    __table_args__ = (
        running_index("open_applications"),
        Index("ix_open_applications_applicant", "applicant", "applied_at"),
        Index("ix_open_applications_agency", "provider_agency_id", "applied_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # The published version applied for: its items were those checked.
    entry_version: Mapped[int]
    entry_code: Mapped[str] = mapped_column(String(60))
    entry_name: Mapped[str] = mapped_column(String(200))
    # The collecting agency, whose officers answer (A24.2), and the entry's region, whose bureau oversees.
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    applicant: Mapped[str] = mapped_column(String(100))
    applicant_kind: Mapped[str] = mapped_column(String(20))  # citizen | legal_person | organisation
    applicant_name: Mapped[str] = mapped_column(String(200))
    # 公民身份号码 of a citizen, 统一社会信用代码 of a legal person or organisation.
    applicant_identifier: Mapped[str] = mapped_column(String(18))
    applicant_contact: Mapped[str] = mapped_column(String(100))
    purpose: Mapped[str] = mapped_column(Text)
    data_format: Mapped[str] = mapped_column(String(10))
    items: Mapped[list[str]] = mapped_column(JSONB)
    # What the agency approved: the items asked, or fewer (the rest refused with reasons).
    approved_items: Mapped[list[str] | None] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(String(20))
    applied_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(100))
    # Answered after the due date (A24.2): what the counts hold against the agency.
    decided_late: Mapped[bool] = mapped_column(default=False)
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class OpenApplicationStep(Base):
    """One step of an application's lifecycle, attributed and dated; never changed once written."""

    __tablename__ = "open_application_steps"
    __table_args__ = (Index("ix_open_application_steps_application", "application_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("open_applications.id"))
    action: Mapped[str] = mapped_column(String(30))
    state_before: Mapped[str | None] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    actor_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reasons: Mapped[list[str]] = mapped_column(JSONB, default=list)
