"""Issuing a grant from a granted application: the row and its GrantIssued event, in the step's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.share import GrantIssued
from hub.outbox import record_event
from share_svc.applications.models import Application
from share_svc.grants.models import Grant

SOURCE = "share-svc"


async def issue_grant(session: AsyncSession, application: Application, now: datetime) -> Grant:
    """The grant binding the application's consumer agency, entry, items, purpose and period (A21.1)."""
    grant = Grant(
        application_id=application.id, entry_id=application.entry_id, entry_version=application.entry_version,
        consumer_agency_id=application.consumer_agency_id, provider_agency_id=application.provider_agency_id,
        region_code=application.region_code, items=list(application.items), purpose=application.purpose,
        valid_from=application.valid_from, valid_until=application.valid_until, issued_at=now,
    )  # fmt: skip
    session.add(grant)
    await session.flush()
    await record_event(
        session,
        GrantIssued(
            grant_id=grant.id, application_id=application.id, entry_id=grant.entry_id,
            entry_version=grant.entry_version, consumer_agency_id=grant.consumer_agency_id,
            provider_agency_id=grant.provider_agency_id, region_code=grant.region_code, items=list(grant.items),
            purpose=grant.purpose, valid_from=grant.valid_from, valid_until=grant.valid_until, issued_at=now,
        ),
        source=SOURCE,
    )  # fmt: skip
    return grant
