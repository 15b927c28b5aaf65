"""catalog-svc's long work as jobs (hub.jobs): catalogue imports, polled by their submitters."""

from __future__ import annotations

from catalog_svc.db import Base
from hub.jobs import JobMixin


class Job(JobMixin, Base):
    __tablename__ = "jobs"
