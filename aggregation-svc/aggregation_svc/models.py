"""Every table of aggregation-svc, imported so that Alembic sees the whole schema."""

from aggregation_svc.changelog.models import PendingChange
from aggregation_svc.consent.models import Consent
from aggregation_svc.db import Base
from aggregation_svc.entries.models import PublishedEntry
from aggregation_svc.grants.models import Grant
from aggregation_svc.ingest.models import Batch, QuarantinedRow, Record, RecordChange
from aggregation_svc.jobs.models import Job
from aggregation_svc.quality.models import QualitySnapshot

__all__ = [
    "Base",
    "Batch",
    "Consent",
    "Grant",
    "Job",
    "PendingChange",
    "PublishedEntry",
    "QualitySnapshot",
    "QuarantinedRow",
    "Record",
    "RecordChange",
]
