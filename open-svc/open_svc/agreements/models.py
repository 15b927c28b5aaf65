"""The open-use agreement (开放利用协议, A24.3): versioned texts the bureau publishes, and each acceptance of one by
the applicant of an approved application, recorded with the time, the version and the applicant's identity."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class Agreement(Base):
    """One version of the agreement's text; the highest version is in force. Never changed once published."""

    __tablename__ = "open_agreements"

    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    published_by: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AgreementAcceptance(Base):
    """The applicant accepted a version for one application (A24.3): who (the portal account and the identity
    declared on the application), which version, when. Never changed once written."""

    __tablename__ = "open_agreement_acceptances"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("open_applications.id"), unique=True)
    agreement_version: Mapped[int] = mapped_column(ForeignKey("open_agreements.version"))
    applicant: Mapped[str] = mapped_column(String(100))
    applicant_kind: Mapped[str] = mapped_column(String(20))
    applicant_name: Mapped[str] = mapped_column(String(200))
    applicant_identifier: Mapped[str] = mapped_column(String(18))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
