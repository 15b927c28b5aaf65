"""Every table of share-svc, imported so that Alembic sees the whole schema."""

from share_svc.catalogue.models import PublishedEntry
from share_svc.db import Base
from share_svc.directory.models import KnownAgency

__all__ = ["Base", "KnownAgency", "PublishedEntry"]
