"""Responses of the catalogue read model."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel

from hub.contracts.catalog import DataItemSpec


class KnownEntryOut(BaseModel):
    """A catalogue entry as the big data centre knows it: what it accepts, and from whom."""

    entry_id: uuid.UUID
    code: str
    version: int
    region_code: str
    provider_agency_id: uuid.UUID
    name: str
    consent_required: bool
    published_at: datetime
    retired_at: datetime | None
    accepting: bool
    items: list[DataItemSpec]
