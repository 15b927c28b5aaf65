"""A service's read model of the agency registry (A2.1): kept current from catalog.events, and its queries.

`AgencyDirectory(KnownAgency).keep_current(handlers)` in the service's consumers.py registers the handlers of
AgencyRegistered and AgencyChanged, so an agency's new name or region reaches the service (a renamed agency does not
keep its old name here). Each applies in the consumer's transaction, once per event (the inbox).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Generic, TypeVar

import structlog
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.catalog import AgencyChanged, AgencyRegistered
from hub.published_catalogue.tables import KnownAgencyMixin

log = structlog.get_logger(__name__)

A = TypeVar("A", bound=KnownAgencyMixin)


@dataclass(frozen=True)
class AgencyDirectory(Generic[A]):
    """The agencies kept in one service's table of `KnownAgencyMixin`."""

    model: type[A]

    def keep_current(self, handlers: EventHandlers) -> None:
        """Register the handlers of AgencyRegistered and AgencyChanged; refused if the service already has one."""
        for event in (AgencyRegistered, AgencyChanged):
            if handlers.route(event.type) is not None:
                raise ValueError(f"{event.type} already has a handler")
        handlers.on(AgencyRegistered)(self.apply_registered)
        handlers.on(AgencyChanged)(self.apply_changed)

    async def apply_registered(self, session: AsyncSession, event: AgencyRegistered) -> None:
        """Record the agency. Its registration is its first event: met again (a replay from the topic's start), it
        leaves what later changes set alone."""
        model = self.model
        values = {"id": event.agency_id, "credit_code": event.credit_code, "name": event.name, "kind": event.kind,
                  "region_code": event.region_code, "registered_at": datetime.now(UTC)}  # fmt: skip
        await session.execute(insert(model).values(values).on_conflict_do_nothing(index_elements=[model.id]))

    async def apply_changed(self, session: AsyncSession, event: AgencyChanged) -> None:
        """Take the agency's new name and region: what the service shows of it follows the registry (A2.1)."""
        model = self.model
        changed = await session.execute(
            update(model)
            .where(model.id == event.agency_id)
            .values(name=event.name, region_code=event.region_code, changed_at=datetime.now(UTC))
            .returning(model.id)
        )
        if changed.first() is None:
            # One agency's events share a partition, so its registration came first; missing, it was lost to the
            # topic's retention before this service first read it, and nothing here can rebuild it.
            log.warning("change of an agency never seen registered", agency_id=str(event.agency_id))

    async def agency(self, session: AsyncSession, agency_id: uuid.UUID) -> A | None:
        """The agency, if the catalogue has announced it."""
        return await session.get(self.model, agency_id)
