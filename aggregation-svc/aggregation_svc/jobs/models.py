"""aggregation-svc's long work as jobs (hub.jobs): backups, polled by the administrators of the city."""

from __future__ import annotations

from aggregation_svc.db import Base
from hub.jobs import JobMixin


class Job(JobMixin, Base):
    __tablename__ = "jobs"
