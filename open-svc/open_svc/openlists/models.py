"""The dated history of every agency's open list (A23.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Index, Integer, String
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class OpenListChange(Base):
    """One change of an agency's open list: an entry added, removed, or one of its listed attributes changed, with
    the version it concerns and when the list changed (A23.1). Never updated nor deleted."""

    __tablename__ = "open_list_changes"
    # An agency's history is read newest first, a page at a time.
    __table_args__ = (Index("ix_open_list_changes_agency", "agency_id", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    code: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(10))  # added | removed | changed
    open_type: Mapped[str] = mapped_column(String(20))
    # For a change of attributes: each listed attribute that changed, {name: {"before": …, "after": …}}.
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
