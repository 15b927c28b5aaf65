"""Events on `catalog.events`, published by catalog-svc."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from hub.events import Event


class CatalogEvent(Event):
    topic: ClassVar[str] = "catalog.events"


class AgencyRegistered(CatalogEvent):
    """A public management and service agency (公共管理服务机构) joined the registry (A2.1)."""

    type: ClassVar[str] = "catalog.agency.registered"

    agency_id: UUID
    credit_code: str
    name: str
    kind: str
    region_code: str

    def aggregate_id(self) -> str:
        return str(self.agency_id)
