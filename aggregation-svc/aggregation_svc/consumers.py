"""The events aggregation-svc consumes, and what each one does.

catalog.events keeps the read model of published entries (what the centre accepts, A15.1), through the mesh's
shared read model; aggregation.ingest carries the data-centre ingest jobs' record batches (A17.1); share.events
keeps the read model of grants every delivery to another agency is checked against (A21.1).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.service import published_entries
from aggregation_svc.grants.service import grant_issued, grant_narrowed, grant_revoked
from aggregation_svc.ingest.service import ingest_submitted
from hub.consumer import EventHandlers
from hub.contracts.aggregation import BatchSubmitted
from hub.contracts.share import GrantIssued, GrantNarrowed, GrantRevoked

handlers = EventHandlers()
published_entries.keep_current(handlers)


@handlers.on(BatchSubmitted)
async def on_batch_submitted(session: AsyncSession, event: BatchSubmitted) -> None:
    await ingest_submitted(session, event)


@handlers.on(GrantIssued)
async def on_grant_issued(session: AsyncSession, event: GrantIssued) -> None:
    await grant_issued(session, event)


@handlers.on(GrantNarrowed)
async def on_grant_narrowed(session: AsyncSession, event: GrantNarrowed) -> None:
    await grant_narrowed(session, event)


@handlers.on(GrantRevoked)
async def on_grant_revoked(session: AsyncSession, event: GrantRevoked) -> None:
    await grant_revoked(session, event)
