"""The read model of the published catalogue that share-svc, open-svc and the big data centre keep from
catalog.events: published entries (only the published version, the newest, A14.1) and the agency registry (A2.1).

A service adopts it in three places:

* models: `class PublishedEntry(PublishedEntryMixin, Base): pass` and `class KnownAgency(KnownAgencyMixin, Base):
  pass` (tables `published_entries`, `known_agencies`);
* a migration: `create_published_entries_table()`, `create_known_agencies_table()` (from `.migrations`);
* consumers.py: `PublishedEntries(PublishedEntry, on_published=…, on_retired=…).keep_current(handlers)` and
  `AgencyDirectory(KnownAgency).keep_current(handlers)`; the same objects answer the queries (an entry, an agency's
  entries, a region's entries by the one region rule of A4.1).

The pieces: `versions` (the value reactions see and the rule that an older version never rolls a newer one back),
`tables` (the mixins, typed with hub.contracts.vocabulary), `entries` and `agencies` (handlers and queries).
"""

from hub.published_catalogue.agencies import AgencyDirectory
from hub.published_catalogue.entries import OnPublished, OnRetired, PublishedEntries
from hub.published_catalogue.tables import KnownAgencyMixin, PublishedEntryMixin
from hub.published_catalogue.versions import PublishedVersion

__all__ = [
    "AgencyDirectory",
    "KnownAgencyMixin",
    "OnPublished",
    "OnRetired",
    "PublishedEntries",
    "PublishedEntryMixin",
    "PublishedVersion",
]
