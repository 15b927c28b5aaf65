"""The region tree and each region's catalogue compilation rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, DateTime, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from catalog_svc.db import Base


class Region(Base):
    """A city, or a county-level city or district in it (A4.1), by its administrative division code."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(20))  # city | county_city | district
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class CompilationRule(Base):
    """A region bureau's requirements for compiling catalogue entries (A13.2): data, not code."""

    __tablename__ = "compilation_rules"

    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), primary_key=True)
    required_elements: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    allowed_update_cycles: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    code_pattern: Mapped[str] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
