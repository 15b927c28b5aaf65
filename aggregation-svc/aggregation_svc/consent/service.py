"""Use cases of consent records: record, read, revoke (A16.1)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.consent import rules
from aggregation_svc.consent.models import Consent
from aggregation_svc.consent.schemas import ConsentIn, ConsentOut
from aggregation_svc.entries import repository as entries
from aggregation_svc.ingest import repository as records
from hub.contracts.aggregation import ConsentRevoked
from hub.errors import Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role
from hub.violations import refuse_if_any

SOURCE = "/hub/aggregation"


def consent_out(consent: Consent, now: datetime | None = None) -> ConsentOut:
    out = ConsentOut.model_validate(consent)
    out.holds = rules.holds(consent.revoked_at, consent.expires_at, now or datetime.now(UTC))
    return out


async def record_consent(session: AsyncSession, caller: Caller, data: ConsentIn) -> Consent:
    """The collecting agency records a subject's consent to collection beyond statute (A16.1)."""
    assert caller.agency_id is not None
    agency_id = uuid.UUID(caller.agency_id)
    now = datetime.now(UTC)
    refuse_if_any(rules.consent_violations(data.model_dump(), now), "The consent cannot be recorded.")
    published = await entries.entries(session, data.entry_ids)
    providers = {e.entry_id: e.provider_agency_id for e in published if e.retired_at is None}
    refuse_if_any(rules.coverage_violations(data.entry_ids, providers, agency_id), "The consent cannot be recorded.")
    consent = Consent(
        id=uuid.uuid4(), agency_id=agency_id, region_code=caller.region_code or "", subject=data.subject.strip(),
        purpose=data.purpose, method=data.method, scope=data.scope, entry_ids=list(dict.fromkeys(data.entry_ids)),
        query_channel=data.query_channel, correction_channel=data.correction_channel, given_at=data.given_at,
        expires_at=data.expires_at, recorded_by=caller.subject, recorded_at=now,
    )  # fmt: skip
    session.add(consent)
    await session.flush()
    return consent


def _is_own(caller: Caller, consent: Consent) -> bool:
    return Role.agency_system in caller.roles and caller.agency_id == str(consent.agency_id)


async def _in_region(session: AsyncSession, caller: Caller, consent: Consent) -> bool:
    """Whether the consent lies in the operator's region (A4.1): where it was recorded, and every entry it covers
    (a client of a district recording a consent for a city entry does not bring it into the district)."""
    if not caller.region_code:
        return False
    regions = {consent.region_code} | {e.region_code for e in await entries.entries(session, consent.entry_ids)}
    return all(region_contains(caller.region_code, region) for region in regions)


async def _consent(session: AsyncSession, consent_id: uuid.UUID, *, lock: bool = False) -> Consent:
    consent = await session.get(Consent, consent_id, with_for_update=lock)
    if consent is None:
        raise NotFound(f"No consent {consent_id}.")
    return consent


async def readable_consent(session: AsyncSession, caller: Caller, consent_id: uuid.UUID) -> Consent:
    """A consent is for the agency that recorded it and the bureau of its region (A4.1)."""
    consent = await _consent(session, consent_id)
    if _is_own(caller, consent):
        return consent
    if OPERATOR_ROLES.intersection(caller.roles):
        if await _in_region(session, caller, consent):
            return consent
        raise Forbidden(f"Consent {consent_id} is outside region {caller.region_code}.", requirement="A4.1")
    raise Forbidden("A consent is for the agency that recorded it.", requirement="A16.1")


async def revoke(session: AsyncSession, caller: Caller, consent_id: uuid.UUID, reason: str) -> Consent:
    """The subject withdrew consent: every record resting on it leaves every later delivery (A16.1).

    By the recording agency, or an administrator of its region. Revoking a revoked consent changes nothing.
    """
    consent = await _consent(session, consent_id, lock=True)
    if not _is_own(caller, consent):
        if Role.administrator not in caller.roles:
            raise Forbidden("Only the agency that recorded a consent, or the bureau, revokes it.", requirement="A16.1")
        if not await _in_region(session, caller, consent):
            raise Forbidden(f"Consent {consent_id} is outside region {caller.region_code}.", requirement="A4.1")
    if consent.revoked_at is not None:
        return consent
    now = await records.clock_time(session)  # the database's clock, which records' history times are on
    consent.revoked_at, consent.revoked_by, consent.revocation_reason = now, caller.subject, reason.strip() or None
    withdrawn = await records.log_withdrawals(session, consent.id, consent.agency_id, now)
    await session.flush()
    await record_event(
        session,
        ConsentRevoked(consent_id=consent.id, agency_id=consent.agency_id, entry_ids=consent.entry_ids,
                       records_withdrawn=withdrawn, revoked_at=now),
        source=SOURCE,
    )  # fmt: skip
    return consent
