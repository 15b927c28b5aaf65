"""The Measures' rules on consent records (知情同意, A16.1), as pure functions."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from hub.violations import Violation

# What A16.1 says the subject must be told, as the fields that record it.
TOLD_TO_SUBJECT = ("purpose", "method", "scope", "query_channel", "correction_channel")


def consent_violations(consent: Mapping[str, Any], now: datetime) -> list[Violation]:
    """A consent records what the subject was told — purpose, method, scope, and the channels to query and correct
    the data — and when it was given; it covers at least one entry and cannot expire before it is given (A16.1)."""
    found = [
        Violation(name, "the subject must be told this; record what they were told", "A16.1")
        for name in TOLD_TO_SUBJECT
        if not str(consent.get(name) or "").strip()
    ]
    if not str(consent.get("subject") or "").strip():
        found.append(Violation("subject", "whose consent it is", "A16.1"))
    if not consent.get("entry_ids"):
        found.append(Violation("entry_ids", "the entries whose data the consent covers", "A16.1"))
    given_at, expires_at = consent.get("given_at"), consent.get("expires_at")
    if given_at is not None and given_at > now:
        found.append(Violation("given_at", "a consent cannot be given in the future", "A16.1"))
    if given_at is not None and expires_at is not None and expires_at <= given_at:
        found.append(Violation("expires_at", "a consent cannot expire before it is given", "A16.1"))
    return found


def coverage_violations(
    entry_ids: Sequence[uuid.UUID], providers: Mapping[uuid.UUID, uuid.UUID], agency_id: uuid.UUID
) -> list[Violation]:
    """A consent covers entries the recording agency collects: published ones (A15.1) it answers for (A15.2).

    `providers` maps each published, unretired entry among `entry_ids` to its responsible agency.
    """
    found = []
    for entry_id in entry_ids:
        provider = providers.get(entry_id)
        if provider is None:
            found.append(Violation("entry_ids", f"{entry_id} is not a published entry", "A15.1"))
        elif provider != agency_id:
            found.append(Violation("entry_ids", f"{entry_id} is another agency's entry", "A15.2"))
    return found


def holds(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a consent holds now: not revoked, not expired (A16.1)."""
    return revoked_at is None and (expires_at is None or expires_at > now)
