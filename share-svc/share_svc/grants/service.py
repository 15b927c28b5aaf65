"""Use cases of grants: list and read them within the caller's scope, revoke one (the provider, the bureau of the
region, or the consumer renouncing it), and narrow or revoke them when the catalogue changes (A21.1). Every change
records its event on share.events in the same transaction; the big data centre refuses deliveries from then on.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.share import GrantNarrowed, GrantRevoked
from hub.errors import Conflict, Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from share_svc.applications.rules import Side, is_operator, listing_scope, may_read
from share_svc.grants import repository
from share_svc.grants.issuing import SOURCE
from share_svc.grants.models import Grant
from share_svc.grants.rules import may_revoke
from share_svc.grants.schemas import GrantFilters


async def grants(
    session: AsyncSession, caller: Caller, side: Side | None, filters: GrantFilters, now: datetime, limit: int,
    offset: int,
) -> Sequence[Grant]:  # fmt: skip
    """The grants the caller sees (its agency's as consumer, and as provider for its officers; an operator's
    region's, A4.1), newest first."""
    scope = listing_scope(caller, side)
    regions = await repository.regions_within(session, scope.region_code) if scope.region_code else []
    return await repository.page(session, scope, regions, filters, now, limit, offset)


async def visible_grant(session: AsyncSession, caller: Caller, grant_id: uuid.UUID, *, lock: bool = False) -> Grant:
    """The grant if the caller may see it; another agency learns nothing of it (404), an operator of another
    region is told so (A4.1)."""
    grant = await repository.get(session, grant_id, lock=lock)
    if grant is None or not may_read(caller, grant.consumer_agency_id, grant.provider_agency_id, grant.region_code):
        if grant is not None and is_operator(caller):
            raise Forbidden(f"The grant is in region {grant.region_code}, outside yours.", requirement="A4.1")
        raise NotFound(f"No grant {grant_id} that you may see.")
    return grant


async def grant_of_application(session: AsyncSession, application_id: uuid.UUID) -> Grant | None:
    """The grant an application was granted, if any."""
    return await repository.of_application(session, application_id)


async def revoke(session: AsyncSession, caller: Caller, grant_id: uuid.UUID, reason: str, now: datetime) -> Grant:
    """End the grant now, with the reason (A21.1): its provider agency's officer, the bureau of its region, or its
    consumer agency renouncing it. A revoked grant stays revoked (409)."""
    grant = await visible_grant(session, caller, grant_id, lock=True)
    if not may_revoke(caller, grant.consumer_agency_id, grant.provider_agency_id, grant.region_code):
        raise Forbidden(
            "A grant is revoked by an officer of its provider agency, the bureau of its region, or its consumer "
            "agency renouncing it.",
            requirement="A21.1",
        )
    await revoke_grant(session, grant, caller.subject, reason, now)
    return grant


async def revoke_grant(session: AsyncSession, grant: Grant, by: str, reason: str, now: datetime) -> None:
    """Revoke a (locked) grant and record GrantRevoked; Conflict if it already is."""
    if grant.revoked_at is not None:
        raise Conflict(
            f"The grant was revoked at {grant.revoked_at.isoformat()} by {grant.revoked_by}; it stays revoked.",
            revoked_at=grant.revoked_at.isoformat(),
        )
    grant.revoked_at, grant.revoked_by, grant.revoke_reason = now, by, reason
    event = GrantRevoked(grant_id=grant.id, entry_id=grant.entry_id, consumer_agency_id=grant.consumer_agency_id,
                         revoked_at=now, revoked_by=by, reason=reason)  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def narrow_grant(
    session: AsyncSession, grant: Grant, items: list[str], version: int, reason: str, now: datetime
) -> None:
    """Keep only `items` (a subset of the grant's) under the entry's new version, and record GrantNarrowed."""
    grant.items, grant.entry_version, grant.narrowed_at = items, version, now
    event = GrantNarrowed(grant_id=grant.id, entry_id=grant.entry_id, items=items, entry_version=version, at=now,
                          reason=reason)  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def unexpired_of_entry(session: AsyncSession, entry_id: uuid.UUID, now: datetime) -> Sequence[Grant]:
    """The entry's grants neither revoked nor expired, locked."""
    return await repository.unexpired_of_entry(session, entry_id, now)
