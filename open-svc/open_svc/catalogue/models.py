"""open-svc's read model of the published catalogue and the agency registry, fed by catalog.events
(hub.published_catalogue)."""

from __future__ import annotations

from hub.published_catalogue import KnownAgencyMixin, PublishedEntryMixin
from open_svc.db import Base


class PublishedEntry(PublishedEntryMixin, Base):
    """A published entry: whether and on which terms it is opened (its open type and conditions, A22.1)."""


class KnownAgency(KnownAgencyMixin, Base):
    """An agency whose open list the platform shows (A23.1), under its current name."""
