"""Every table of open-svc, imported so that Alembic sees the whole schema."""

from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.db import Base

__all__ = ["Base", "KnownAgency", "PublishedEntry"]
