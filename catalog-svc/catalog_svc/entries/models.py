"""Catalogue entries (公共数据目录) and their versions; every version is kept (A14.1)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, func, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base


class Entry(Base):
    """One data resource, identified by its resource code (代码), answered for by one agency (A15.2)."""

    __tablename__ = "entries"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("agencies.id"))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    published_version: Mapped[int | None] = mapped_column(Integer)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class EntryVersion(Base):
    """One version of an entry's elements (A13.1), with its place in the review lifecycle (A14.1)."""

    __tablename__ = "entry_versions"
    __table_args__ = (
        # The search index: every character bigram of name, summary and item labels (see hub.search).
        Index("ix_entry_versions_bigrams", "bigrams", postgresql_using="gin"),
        Index("ix_entry_versions_listed", "is_published_current", "region_code"),
        # Pages of the catalogue and of review queues come in code order: walking these stops after one page
        # when matches are many, where sorting every match would not.
        Index("ix_entry_versions_catalogue", "code", postgresql_where=text("is_published_current")),
        Index("ix_entry_versions_queue", "state", "code", postgresql_where=text("is_latest")),
    )

    entry_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("entries.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    is_latest: Mapped[bool] = mapped_column(Boolean, default=True)
    is_published_current: Mapped[bool] = mapped_column(Boolean, default=False)
    # Denormalised from the entry so that search filters need no join.
    code: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(String(12))
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The elements of the national guideline's core metadata (国家政务信息资源目录编制指南); a draft may lack
    # any of them, submission requires them (A13.1).
    name: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    classification: Mapped[str | None] = mapped_column(String(40))  # 信息资源分类 类/项/目/细目, e.g. 01-02-03-04
    category: Mapped[str | None] = mapped_column(String(20))  # base | theme | department (A18.1)
    base_database: Mapped[str | None] = mapped_column(String(40))
    source_system: Mapped[str | None] = mapped_column(String(200))
    format: Mapped[str | None] = mapped_column(String(40))
    share_type: Mapped[str | None] = mapped_column(String(20))
    share_conditions: Mapped[str | None] = mapped_column(Text)
    share_method: Mapped[str | None] = mapped_column(String(20))
    share_legal_basis: Mapped[str | None] = mapped_column(Text)
    open_type: Mapped[str | None] = mapped_column(String(20))
    open_conditions: Mapped[str | None] = mapped_column(Text)
    open_legal_basis: Mapped[str | None] = mapped_column(Text)
    update_cycle: Mapped[str | None] = mapped_column(String(20))
    secrecy: Mapped[str] = mapped_column(String(20))
    consent_required: Mapped[bool] = mapped_column(Boolean, default=False)
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(50)))
    related_codes: Mapped[list[str]] = mapped_column(ARRAY(String(60)))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    # A15.3: for items another agency is authoritative for, the source entry obtained by sharing, or why not.
    item_sources: Mapped[dict[str, Any]] = mapped_column(JSONB)
    search_text: Mapped[str] = mapped_column(Text, default="")
    bigrams: Mapped[list[str]] = mapped_column(ARRAY(String(8)))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    return_reasons: Mapped[list[str] | None] = mapped_column(ARRAY(Text))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Conflicts with the authoritative-source register found at submission (A15.3), shown to reviewers.
    source_conflicts: Mapped[list[dict[str, Any]]] = mapped_column(JSONB, default=list)
