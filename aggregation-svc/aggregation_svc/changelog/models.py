"""The changelog's pending work: what changed and is not published yet (see aggregation_svc.changelog)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Text, func
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base


class PendingChange(Base):
    """Records of an entry to publish again: the keys a chunk of a batch changed, or (`keys` null) the whole entry,
    whose openness changed. Written in the transaction of the change; deleted in the one that published it."""

    __tablename__ = "open_changelog"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    keys: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    # How far a whole entry's publication has got, in key order (it is published a page per transaction).
    after_key: Mapped[str | None] = mapped_column(Text)
    noted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
