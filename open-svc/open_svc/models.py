"""Every table of open-svc, imported so that Alembic sees the whole schema."""

from open_svc.agreements.models import Agreement, AgreementAcceptance
from open_svc.applications.models import OpenApplication, OpenApplicationStep
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets.models import DatasetCounters, DatasetSearch
from open_svc.db import Base
from open_svc.demands.models import Demand, DemandVote
from open_svc.feedback.models import FeedbackReport
from open_svc.keys.models import DataKey
from open_svc.openlists.models import OpenListChange
from open_svc.quality.models import PublishedQualityScore
from open_svc.replica.models import OpenRecord, ReplicaPosition

__all__ = [
    "Agreement",
    "AgreementAcceptance",
    "Base",
    "DataKey",
    "DatasetCounters",
    "DatasetSearch",
    "Demand",
    "DemandVote",
    "FeedbackReport",
    "KnownAgency",
    "OpenApplication",
    "OpenApplicationStep",
    "OpenListChange",
    "OpenRecord",
    "PublishedEntry",
    "PublishedQualityScore",
    "ReplicaPosition",
]
