"""The read model of the unified catalogue that the centre accepts data for, fed by catalog.events (A15.1): the
mesh's shared one (hub.published_catalogue), its data items held with the entry."""

from __future__ import annotations

from aggregation_svc.db import Base
from hub.published_catalogue import PublishedEntryMixin


class PublishedEntry(PublishedEntryMixin, Base):
    """The published version of a catalogue entry and its declared data items (信息项), what records are validated
    against (A15.1, A17.1); retired ones stay, flagged."""
