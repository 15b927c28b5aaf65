"""The centre's read model of share grants, fed by share.events: what it checks every delivery against (A21.1).

A row is made when the centre first hears of a grant, by whichever of its events arrives first. Events of one grant
are keyed by its id and so arrive in order; a replay or a republished event may still bring a narrowing or a
revocation before the issue. Such a row waits without its issue's columns (`issued_at` is NULL): a revocation is
kept as a tombstone, a narrowing as the items the grant may at most hold, and neither allows a delivery until the
issue fills the row in (see grants.service).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, Index, LargeBinary, Text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from aggregation_svc.db import Base

# An issued grant has every column its issue carries.
ISSUED_COMPLETE = (
    "issued_at IS NULL OR (application_id IS NOT NULL AND consumer_agency_id IS NOT NULL "
    "AND provider_agency_id IS NOT NULL AND items IS NOT NULL AND purpose IS NOT NULL "
    "AND valid_from IS NOT NULL AND valid_until IS NOT NULL)"
)


class Grant(Base):
    """A consumer agency may obtain these items of an entry, for this purpose, within this period (A21.1).

    `fingerprint_key` keys the marks of every delivery under the grant (aggregation_svc.fingerprint): 32 random
    bytes made here when the grant is first heard of, never sent in an event; it lives only in the centre's
    database and its backups.
    """

    __tablename__ = "grants"
    __table_args__ = (
        CheckConstraint(ISSUED_COMPLETE, name="issued_complete"),
        Index("ix_grants_consumer_agency_id_entry_id", "consumer_agency_id", "entry_id"),
        Index("ix_grants_entry_id", "entry_id"),
    )

    grant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    application_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    consumer_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    provider_agency_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # Before the issue, a narrowing's items: the most the grant will hold once issued.
    items: Mapped[list[str] | None] = mapped_column(JSONB)
    # Texts unbounded: the read model keeps what share-svc decided, and a refused insert would lose a revocation.
    purpose: Mapped[str | None] = mapped_column(Text)
    valid_from: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    valid_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    narrowed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(Text)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    fingerprint_key: Mapped[bytes] = mapped_column(LargeBinary)
