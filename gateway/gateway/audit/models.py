"""The exchange audit chain (A36.1): one row per audited request or security event, each holding the hash of
the row before it, and periodic anchors of the chain head."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from gateway.db import Base

# response_bytes of an answer streamed without a declared length (see AuditRecord.response_bytes).
UNDECLARED_LENGTH = -1
# The largest seq PostgreSQL's BIGINT holds: the bound of every seq a client names.
MAX_SEQ = 2**63 - 1


class AuditRecord(Base):
    __tablename__ = "audit_records"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(20))  # exchange | security
    event: Mapped[str] = mapped_column(String(40))  # e.g. exchange, auth.failed, access.denied, rate.limited
    caller: Mapped[str] = mapped_column(String(100))
    caller_kind: Mapped[str] = mapped_column(String(20))
    roles: Mapped[str] = mapped_column(String(200))
    agency_id: Mapped[str | None] = mapped_column(String(40))
    region_code: Mapped[str | None] = mapped_column(String(12))
    client_ip: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(10))
    route: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(2000))
    service: Mapped[str] = mapped_column(String(40))
    entry: Mapped[str | None] = mapped_column(String(100))
    items: Mapped[str | None] = mapped_column(String(2000))
    row_count: Mapped[int | None] = mapped_column(Integer)
    # The purpose the client declared (x-hub-purpose): its claim, recorded as claimed, never checked by the gateway.
    purpose: Mapped[str | None] = mapped_column(String(500))
    # The grant the serving service checked the delivery against (its x-hub-audit-grant answer), never the client's.
    grant_id: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[int] = mapped_column(Integer)
    # Bytes of the request body received before the answer started (the record is committed at that moment).
    request_bytes: Mapped[int] = mapped_column(BigInteger)
    # The answer's declared length (its content-length, or the service's); UNDECLARED_LENGTH for a body streamed
    # without one, whose size is known only after the record had to be committed (A36.1: record before answer).
    response_bytes: Mapped[int] = mapped_column(BigInteger)
    request_in: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    request_out: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_in: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    response_out: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # when the answer started
    trace_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(String(500))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditAnchor(Base):
    """The chain head at a moment, also published on gateway.audit so a copy lives outside this database."""

    __tablename__ = "audit_anchors"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))
    anchored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditPublished(Base):
    """How far the chain is published on gateway.audit: its one row holds the seq of the last record published.

    Moved in the transaction that records the events of the records after it (gateway.audit.publisher), so every
    record is published once, whichever replica publishes it and whenever a killed one left off.
    """

    __tablename__ = "audit_published"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
