"""The gateway's audited exchanges, counted from gateway.audit into daily figures (A12.1, A28.1). A batch's counts
add to the day's in the consumer's transaction, once per event (the inbox)."""

from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hub.consumer import EventHandlers
from hub.contracts.gateway import ExchangesAudited
from supervision_svc.audit import rules
from supervision_svc.audit.models import ExchangeVolume, SecurityEventCount
from supervision_svc.settings import hub_timezone


async def count_batch(session: AsyncSession, event: ExchangesAudited) -> None:
    """Add a batch's exchanges of data and security events to their days' counts."""
    tz = hub_timezone()
    volumes = rules.exchange_volumes(event.records, tz)
    if volumes:
        rows = [{"day": day, "consumer_agency_id": agency, "entry_id": entry, "requests": v.requests, "rows": v.rows}
                for (day, agency, entry), v in volumes.items()]  # fmt: skip
        statement = insert(ExchangeVolume).values(rows)
        added = {"requests": ExchangeVolume.requests + statement.excluded.requests,
                 "rows": ExchangeVolume.rows + statement.excluded.rows}  # fmt: skip
        await session.execute(
            statement.on_conflict_do_update(index_elements=["day", "consumer_agency_id", "entry_id"], set_=added)
        )
    events = rules.security_events(event.records, tz)
    if events:
        statement = insert(SecurityEventCount).values(
            [{"day": day, "agency_id": agency, "events": count} for (day, agency), count in events.items()]
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=["day", "agency_id"],
                set_={"events": SecurityEventCount.events + statement.excluded.events},
            )
        )


def keep_current(handlers: EventHandlers) -> None:
    """Register the handler of the audit's batches."""
    handlers.on(ExchangesAudited)(count_batch)
