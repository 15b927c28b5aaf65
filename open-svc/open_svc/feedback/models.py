"""Error reports and objections on open and shared data (A26.1), routed to the agency responsible for the data.

The reporter is a portal account, an agency (its system or officer, on data shared with it), or anonymous: an
anonymous reporter follows its report with the report's id and a token shown once (only its digest is kept).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Index, String, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class FeedbackReport(Base):
    __tablename__ = "feedback_reports"
    __table_args__ = (
        Index("ix_feedback_reports_agency", "agency_id", "created_at"),
        Index("ix_feedback_reports_entry", "entry_id"),
        Index("ix_feedback_reports_reporter", "reporter", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    entry_name: Mapped[str] = mapped_column(String(200))
    # The agency responsible for the data (the entry's collecting agency), whose officers answer, and its region.
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    # Whether the dataset was open when reported: what the public counts of a dataset's quality hold.
    on_open_data: Mapped[bool]
    kind: Mapped[str] = mapped_column(String(20))  # error | objection
    description: Mapped[str] = mapped_column(Text)
    items: Mapped[list[str]] = mapped_column(JSONB, default=list)
    record_key: Mapped[str | None] = mapped_column(String(500))
    reporter_kind: Mapped[str] = mapped_column(String(20))  # anonymous | portal_user | agency
    # The reporting account (portal user, agency system or officer); None for an anonymous reporter.
    reporter: Mapped[str | None] = mapped_column(String(100))
    reporter_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    token_digest: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20))
    taken_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
