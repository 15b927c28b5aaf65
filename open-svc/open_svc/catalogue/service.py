"""The published catalogue the open platform knows, kept current from catalog.events."""

from __future__ import annotations

from hub.published_catalogue import AgencyDirectory, PublishedEntries
from open_svc.catalogue.models import KnownAgency, PublishedEntry
from open_svc.datasets.reactions import entry_published, entry_retired

published_entries = PublishedEntries(PublishedEntry, on_published=entry_published, on_retired=entry_retired)
directory = AgencyDirectory(KnownAgency)
