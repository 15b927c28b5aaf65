"""share-svc's read model of the published catalogue, fed by catalog.events (hub.published_catalogue)."""

from __future__ import annotations

from hub.published_catalogue import PublishedEntryMixin
from share_svc.db import Base


class PublishedEntry(PublishedEntryMixin, Base):
    """A published entry: what may be applied for, and on which terms (its share type and conditions, A19.1, A20)."""
