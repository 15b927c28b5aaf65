"""The rules of grants as pure functions: when a grant is live (A21.1), and who may revoke it."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from hub.internal_token import Caller
from hub.roles import Role
from share_svc.applications.rules import is_consumer, is_operator_of, is_provider_officer


class GrantStatus(StrEnum):
    """Where a grant stands at a moment; only a live grant lets data out of the centre (A21.1)."""

    not_yet_valid = "not_yet_valid"
    live = "live"
    expired = "expired"
    revoked = "revoked"


def grant_status(
    revoked_at: datetime | None, valid_from: datetime, valid_until: datetime, now: datetime
) -> GrantStatus:
    """revoked once revoked (whatever its period); else live within [valid_from, valid_until), before it not yet
    valid, and from valid_until on expired (A21.1)."""
    if revoked_at is not None:
        return GrantStatus.revoked
    if now < valid_from:
        return GrantStatus.not_yet_valid
    if now < valid_until:
        return GrantStatus.live
    return GrantStatus.expired


def may_revoke(caller: Caller, consumer_agency_id: uuid.UUID, provider_agency_id: uuid.UUID, region_code: str) -> bool:
    """Who ends a grant before its period: an officer of the provider agency, a reviewer or administrator of the
    bureau of the entry's region (A4.1), or the consumer agency itself, renouncing it (its system or officer)."""
    bureau = bool({Role.reviewer, Role.administrator}.intersection(caller.roles)) and is_operator_of(
        caller, region_code
    )
    return bureau or is_provider_officer(caller, provider_agency_id) or is_consumer(caller, consumer_agency_id)
