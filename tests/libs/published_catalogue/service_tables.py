"""The read model's tables as a service declares them: the mixins on the service's own declarative base."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from hub.db import new_metadata
from hub.published_catalogue import KnownAgencyMixin, PublishedEntryMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class PublishedEntry(PublishedEntryMixin, Base):
    """What a service declares: the mixin on its own base."""


class KnownAgency(KnownAgencyMixin, Base):
    """What a service declares: the mixin on its own base."""
