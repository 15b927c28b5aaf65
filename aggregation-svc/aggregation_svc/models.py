"""Every table of aggregation-svc, imported so that Alembic sees the whole schema."""

from aggregation_svc.consent.models import Consent
from aggregation_svc.db import Base
from aggregation_svc.entries.models import PublishedEntry, PublishedItem
from aggregation_svc.ingest.models import Batch, QuarantinedRow, Record, RecordChange
from aggregation_svc.quality.models import QualitySnapshot

__all__ = [
    "Base",
    "Batch",
    "Consent",
    "PublishedEntry",
    "PublishedItem",
    "QualitySnapshot",
    "QuarantinedRow",
    "Record",
    "RecordChange",
]
