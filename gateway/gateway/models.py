"""Every table of the gateway, imported so that Alembic sees the whole schema."""

from gateway.db import Base

__all__ = ["Base"]
