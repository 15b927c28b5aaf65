"""Every table of the gateway, imported so that Alembic sees the whole schema."""

from gateway.agencies.models import KnownAgency
from gateway.audit.models import AuditAnchor, AuditRecord
from gateway.db import Base
from gateway.identities.models import ApiKey, Client, SigningKey
from gateway.legacy.models import LegacyChannel

__all__ = ["ApiKey", "AuditAnchor", "AuditRecord", "Base", "Client", "KnownAgency", "LegacyChannel", "SigningKey"]
