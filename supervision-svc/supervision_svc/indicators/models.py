"""Kept periods (A32.1): a closed period's figures as they were made when it was kept, never rewritten after, so
this quarter compares with the last as the last one was reported."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Float, Integer, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from supervision_svc.db import Base


class KeepingSince(Base):
    """When this database began keeping periods (one row): a period that closed before then is never kept, so a
    fresh service, whose consumer is still reading the topics' history, freezes no half-read quarter."""

    __tablename__ = "keeping_since"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    since: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeptPeriod(Base):
    """A period whose figures are kept: as of its end, made at `kept_at`."""

    __tablename__ = "kept_periods"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    as_of: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kept_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class KeptAgency(Base):
    """An agency of the registry when the period was kept, with its name and region then."""

    __tablename__ = "kept_agencies"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(12))


class KeptCell(Base):
    """A cell of a kept period's figures (supervision_svc.indicators.cells.Cell)."""

    __tablename__ = "kept_cells"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    indicator: Mapped[str] = mapped_column(String(40))
    agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str | None] = mapped_column(String(12))
    total: Mapped[float] = mapped_column(Float)
    count: Mapped[int] = mapped_column(Integer)


class KeptPair(Base):
    """A kept period's exchanges of data between two agencies."""

    __tablename__ = "kept_pairs"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    consumer_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    requests: Mapped[int] = mapped_column(Integer)
    rows: Mapped[int] = mapped_column(BigInteger)
