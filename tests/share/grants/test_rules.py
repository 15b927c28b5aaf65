"""When a grant delivers data (A21.1), and who may end it early."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from hub.internal_token import Caller
from share_svc.grants.rules import GrantStatus, grant_status, may_revoke

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
END = START + timedelta(days=365)
CONSUMER, PROVIDER, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
CITY, DISTRICT, SIBLING = "320200", "320205", "320206"


@pytest.mark.parametrize(
    ("revoked_at", "now", "status"),
    [
        (None, START - timedelta(seconds=1), GrantStatus.not_yet_valid),
        (None, START, GrantStatus.live),  # live from its first instant
        (None, END - timedelta(microseconds=1), GrantStatus.live),
        (None, END, GrantStatus.expired),  # and no longer at valid_until
        (START + timedelta(days=1), START + timedelta(days=2), GrantStatus.revoked),
        (START + timedelta(days=1), START - timedelta(days=1), GrantStatus.revoked),  # revoked before it began
        (START + timedelta(days=1), END + timedelta(days=1), GrantStatus.revoked),
    ],
)
def test_a_grant_is_live_within_its_period_unless_revoked_A21_1(
    revoked_at: datetime | None, now: datetime, status: GrantStatus
) -> None:
    assert grant_status(revoked_at, START, END, now) == status


def caller(roles: str, agency: uuid.UUID | None = None, region: str = CITY) -> Caller:
    return Caller(f"{roles}-{agency}", "x", (roles,), str(agency) if agency else None, region)


def test_the_provider_officer_the_bureau_of_the_region_and_the_consumer_may_revoke_A21_1() -> None:
    allowed = [caller("agency_officer", PROVIDER), caller("reviewer"), caller("administrator"),
               caller("administrator", region=DISTRICT), caller("agency_system", CONSUMER),
               caller("agency_officer", CONSUMER)]  # fmt: skip
    assert all(may_revoke(c, CONSUMER, PROVIDER, DISTRICT) for c in allowed)


def test_nobody_else_may_revoke_a_grant_A4_1_A21_1() -> None:
    refused = [caller("agency_system", PROVIDER), caller("agency_officer", OTHER), caller("agency_system", OTHER),
               caller("inspector"), caller("reviewer", region=SIBLING), caller("agency_admin", CONSUMER)]  # fmt: skip
    assert not any(may_revoke(c, CONSUMER, PROVIDER, DISTRICT) for c in refused)
