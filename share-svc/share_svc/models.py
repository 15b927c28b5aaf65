"""Every table of share-svc, imported so that Alembic sees the whole schema."""

from share_svc.applications.models import Application, ApplicationStep, Review
from share_svc.catalogue.models import PublishedEntry
from share_svc.db import Base
from share_svc.directory.models import KnownAgency
from share_svc.disputes.models import Dispute, DisputeStep
from share_svc.grants.models import Grant

__all__ = [
    "Application",
    "ApplicationStep",
    "Base",
    "Dispute",
    "DisputeStep",
    "Grant",
    "KnownAgency",
    "PublishedEntry",
    "Review",
]
