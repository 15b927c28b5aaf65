"""Demand requests (数据开放需求, A27.1): what the public asks to be opened, the votes of registered users (one per
account), and the bureau's answer."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class Demand(Base):
    __tablename__ = "open_demands"
    # Listed by votes, most first.
    __table_args__ = (Index("ix_open_demands_votes", "votes"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    # The agency whose data is asked for, if the requester knows it, and its region (whose bureau answers).
    agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    region_code: Mapped[str | None] = mapped_column(String(12))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The number of votes (rows of open_demand_votes), kept with the demand to list by it.
    votes: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(20))  # planned | opened | declined
    answer: Mapped[str | None] = mapped_column(Text)
    # The dataset that answers the demand, when the outcome is that it is opened.
    entry_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    answered_by: Mapped[str | None] = mapped_column(String(100))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class DemandVote(Base):
    """One account's vote for a demand: at most one (the primary key)."""

    __tablename__ = "open_demand_votes"

    demand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("open_demands.id"), primary_key=True)
    voter: Mapped[str] = mapped_column(String(100), primary_key=True)
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
