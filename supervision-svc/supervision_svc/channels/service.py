"""The legacy-channel register's statements, kept from gateway.audit (A12.1), once per event (the inbox)."""

from __future__ import annotations

import uuid

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.gateway import LegacyChannelStated
from supervision_svc.channels.models import ChannelStatement


async def record_statement(session: AsyncSession, event: LegacyChannelStated) -> None:
    """The channel as it stands from `stated_at` on; the same statement delivered again changes nothing."""
    values = {"channel_id": event.channel_id, "stated_at": event.stated_at, "agency_id": uuid.UUID(event.agency_id),
              "region_code": event.region_code, "status": event.status}  # fmt: skip
    await session.execute(
        insert(ChannelStatement).values(values).on_conflict_do_nothing(index_elements=["channel_id", "stated_at"])
    )


def keep_current(handlers: EventHandlers) -> None:
    """Register the handler of the register's statements."""
    handlers.on(LegacyChannelStated)(record_statement)
