"""Every table of catalog-svc, imported so that Alembic sees the whole schema."""

from catalog_svc.agencies.models import Agency
from catalog_svc.db import Base
from catalog_svc.deadlines.models import ChangeNotice
from catalog_svc.entries.models import Entry, EntryVersion
from catalog_svc.jobs.models import Job
from catalog_svc.regions.models import CompilationRule, Region
from catalog_svc.sources.models import AuthoritativeSource

__all__ = [
    "Agency",
    "AuthoritativeSource",
    "Base",
    "ChangeNotice",
    "CompilationRule",
    "Entry",
    "EntryVersion",
    "Job",
    "Region",
]
