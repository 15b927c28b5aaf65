"""The events open-svc consumes: catalog.events keeps its read model of the agency registry and of the published
catalogue (hub.published_catalogue)."""

from __future__ import annotations

from hub.consumer import EventHandlers
from open_svc.catalogue.service import directory, published_entries

handlers = EventHandlers()
directory.keep_current(handlers)
published_entries.keep_current(handlers)
