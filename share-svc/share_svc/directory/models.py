"""share-svc's read model of the agency registry, fed by catalog.events (hub.published_catalogue)."""

from __future__ import annotations

from hub.published_catalogue import KnownAgencyMixin
from share_svc.db import Base


class KnownAgency(KnownAgencyMixin, Base):
    """An agency that may apply for and provide shared data (A20.2), as catalog-svc announced and changed it."""
