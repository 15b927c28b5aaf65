"""Every table of aggregation-svc, imported so that Alembic sees the whole schema."""

from aggregation_svc.db import Base

__all__ = ["Base"]
