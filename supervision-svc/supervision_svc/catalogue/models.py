"""The catalogue as the indicator system reads it: the agency registry (A2.1), the published catalogue with when
each entry was first published (A14.1), and the change notices it announced overdue (A14.2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from hub.published_catalogue import KnownAgencyMixin, PublishedEntryMixin
from supervision_svc.db import Base


class KnownAgency(KnownAgencyMixin, Base):
    """An agency of the registry: the agencies the indicators are kept for, and their regions."""


class PublishedEntry(PublishedEntryMixin, Base):
    """A published entry (hub.published_catalogue), with the moment its first version was published: an entry
    counts as published from then until it is retired, whatever versions follow (A14.1)."""

    first_published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class OverdueChangeNotice(Base):
    """A change notice the catalogue announced past due (A14.2): the agency did not update the entry by `due_on`,
    and it counts against the agency for the period holding the day after."""

    __tablename__ = "overdue_change_notices"

    notice_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str] = mapped_column(String(12))
    due_on: Mapped[date] = mapped_column(Date)
