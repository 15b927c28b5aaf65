"""The gateway's audit as the indicator system reads it: per local day, exchanges of data by consuming agency and
entry (A12.1: every exchange passes the gateway), and security events by agency (A28.1). Counted, not copied: the
audit chain itself stays the gateway's."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import BigInteger, Date, Integer
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from supervision_svc.db import Base


class ExchangeVolume(Base):
    """Requests an agency's callers made for an entry's data on a day, answered with success, and the rows
    delivered. The entry's provider is read from the published catalogue when the figures are made."""

    __tablename__ = "exchange_volumes"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    consumer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(BigInteger)


class SecurityEventCount(Base):
    """Security events (refused authentication, denied access, rate limits …) of an agency's callers on a day."""

    __tablename__ = "security_event_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    events: Mapped[int] = mapped_column(Integer)
