"""The last quality score published of each open dataset (A25.1): what a new score is compared with, so that
DatasetQualityScored is published only when the figure changes."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, Float, Integer
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from open_svc.db import Base


class PublishedQualityScore(Base):
    """A dataset's score as last published; none for a dataset that is not open (A22.1), so one opened again is
    published afresh."""

    __tablename__ = "published_quality_scores"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    score: Mapped[float] = mapped_column(Float)
    met: Mapped[int] = mapped_column(Integer)
    criteria: Mapped[int] = mapped_column(Integer)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
