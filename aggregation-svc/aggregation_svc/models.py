"""Every table of aggregation-svc, imported so that Alembic sees the whole schema."""

from aggregation_svc.consent.models import Consent
from aggregation_svc.db import Base
from aggregation_svc.entries.models import PublishedEntry, PublishedItem
from aggregation_svc.ingest.models import Batch, QuarantinedRow, Record, RecordChange

__all__ = [
    "Base",
    "Batch",
    "Consent",
    "PublishedEntry",
    "PublishedItem",
    "QuarantinedRow",
    "Record",
    "RecordChange",
]
