"""The tables of the published-catalogue read model, as mixins a service puts on its own declarative base.

Columns hold the vocabulary's values as plain strings (VARCHAR: a new value needs no type migration), and the
Python side reads and writes the `StrEnum`s of hub.contracts.vocabulary; a stored string outside the vocabulary
fails on reading instead of passing as an unknown string. Data items are one JSONB array, read as `DataItemSpec`s.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, DateTime, Enum, Integer, String, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import (
    AgencyKind,
    BaseDatabase,
    Category,
    OpenType,
    Secrecy,
    ShareMethod,
    ShareType,
    UpdateCycle,
)
from hub.published_catalogue.versions import PUBLISHED_FIELDS, PublishedVersion


def enum_column(enum: type[StrEnum], length: int) -> Enum:
    """A VARCHAR(length) column holding the enum's values, read back as its members."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


class DataItems(TypeDecorator[tuple[DataItemSpec, ...]]):
    """An entry's declared data items (信息项) in declaration order, stored as one JSONB array."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: tuple[DataItemSpec, ...] | None, dialect: Dialect) -> Any:
        return None if value is None else [item.model_dump(mode="json") for item in value]

    def process_result_value(self, value: Any, dialect: Dialect) -> tuple[DataItemSpec, ...] | None:
        return None if value is None else tuple(DataItemSpec.model_validate(item) for item in value)


class PublishedEntryMixin:
    """The published version of a catalogue entry, as catalog-svc announced it (A14.1); a retired entry stays,
    with `retired_at` set. `class PublishedEntry(PublishedEntryMixin, Base): pass` (table `published_entries`)."""

    __tablename__ = "published_entries"

    entry_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    code: Mapped[str] = mapped_column(String(60))
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # The one agency that collects, updates and answers for the entry's data (A15.2).
    provider_agency_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    region_code: Mapped[str] = mapped_column(String(12), index=True)
    # base / theme / department, and for a base entry which of the five base databases (A18.1).
    category: Mapped[Category | None] = mapped_column(enum_column(Category, 20))
    base_database: Mapped[BaseDatabase | None] = mapped_column(enum_column(BaseDatabase, 40))
    share_type: Mapped[ShareType] = mapped_column(enum_column(ShareType, 20))
    share_conditions: Mapped[str | None] = mapped_column(Text)
    share_method: Mapped[ShareMethod | None] = mapped_column(enum_column(ShareMethod, 20))
    open_type: Mapped[OpenType] = mapped_column(enum_column(OpenType, 20))
    open_conditions: Mapped[str | None] = mapped_column(Text)
    update_cycle: Mapped[UpdateCycle] = mapped_column(enum_column(UpdateCycle, 20))
    secrecy: Mapped[Secrecy] = mapped_column(enum_column(Secrecy, 20))
    consent_required: Mapped[bool] = mapped_column(Boolean)
    items: Mapped[tuple[DataItemSpec, ...]] = mapped_column(DataItems)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What a refusal to share (A19.2) or to open (A22.1) cites.
    share_legal_basis: Mapped[str | None] = mapped_column(Text)
    open_legal_basis: Mapped[str | None] = mapped_column(Text)
    # When this service learned of the retirement; nothing more is collected, shared or opened under it.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def retired(self) -> bool:
        return self.retired_at is not None

    def snapshot(self) -> PublishedVersion:
        """The row as a frozen value, for reactions and responses."""
        values = {name: getattr(self, name) for name in PUBLISHED_FIELDS}
        return PublishedVersion(**values, retired_at=self.retired_at)


class KnownAgencyMixin:
    """An agency of the registry (A2.1), as catalog-svc announced it and changed it since.
    `class KnownAgency(KnownAgencyMixin, Base): pass` (table `known_agencies`)."""

    __tablename__ = "known_agencies"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[AgencyKind] = mapped_column(enum_column(AgencyKind, 40))
    region_code: Mapped[str] = mapped_column(String(12))
    # When this service learned of the registration, and of the last change.
    registered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
