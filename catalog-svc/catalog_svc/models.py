"""Every table of catalog-svc, imported so that Alembic sees the whole schema."""

from catalog_svc.agencies.models import Agency
from catalog_svc.db import Base

__all__ = ["Agency", "Base"]
