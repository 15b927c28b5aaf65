"""The published entries the sharing platform knows, kept current from catalog.events."""

from __future__ import annotations

from hub.published_catalogue import PublishedEntries
from share_svc.catalogue.models import PublishedEntry

published_entries = PublishedEntries(PublishedEntry)
