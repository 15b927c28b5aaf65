"""The published catalogue the open platform knows, kept current from catalog.events."""

from __future__ import annotations

from hub.published_catalogue import AgencyDirectory, PublishedEntries
from open_svc.catalogue.models import KnownAgency, PublishedEntry

published_entries = PublishedEntries(PublishedEntry)
directory = AgencyDirectory(KnownAgency)
