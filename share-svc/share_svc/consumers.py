"""The events share-svc consumes: catalog.events keeps its read model of the agency registry and of the published
catalogue (hub.published_catalogue), names and versions included."""

from __future__ import annotations

from hub.consumer import EventHandlers
from share_svc.catalogue.service import published_entries
from share_svc.directory.service import directory

handlers = EventHandlers()
directory.keep_current(handlers)
published_entries.keep_current(handlers)
