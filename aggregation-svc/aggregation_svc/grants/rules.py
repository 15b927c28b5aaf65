"""Whether a grant allows a delivery, and how grant events combine: pure functions (A21.1).

A delivery to another agency is allowed only under a grant of that agency for that entry, issued, not revoked,
within its period, for the purpose the pull declares, and for items the grant holds. Each check that fails gives
the reason the refusal quotes and the request's field at fault.

Grant events combine so that the result does not depend on the order they arrive in: the issue fills in what a
grant is; narrowings only ever take items away (the intersection); the first revocation stands.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from aggregation_svc.grants.models import Grant
from hub.purposes import MAX_PURPOSE_CHARS, declared_purpose, purposes_match

GRANT_FIELD = "grant"
PURPOSE_FIELD = "x-hub-purpose"
ITEMS_FIELD = "items"


class Check(IntEnum):
    """The checks of a grant against a delivery, in the order they are made: a later one is closer to passing."""

    revoked = 1
    not_yet_valid = 2
    expired = 3
    purpose = 4
    items = 5


@dataclass(frozen=True)
class Refusal:
    """Why no grant allows a delivery: the detail to quote and the request's field at fault (`grant`,
    `x-hub-purpose` or `items`), with the requested items the grant does not hold."""

    check: Check
    detail: str
    field: str = GRANT_FIELD
    items: tuple[str, ...] = ()


def held_by(grant: Grant, agency_id: uuid.UUID, entry_id: uuid.UUID) -> bool:
    """Whether the grant is one of the agency's for the entry and has been issued: any other grant, like an
    unknown one, allows that agency nothing (A21.1)."""
    return grant.issued_at is not None and grant.consumer_agency_id == agency_id and grant.entry_id == entry_id


def refusal(grant: Grant, purpose: str, items: Collection[str] | None, now: datetime) -> Refusal | None:
    """Why a grant the caller holds (`held_by`) does not allow delivering `items` (None: the grant's own) for
    `purpose` at `now`, or None when it does (A21.1)."""
    if grant.revoked_at is not None:
        why = f": {grant.revoke_reason}" if grant.revoke_reason else ""
        return Refusal(Check.revoked, f"Grant {grant.grant_id} was revoked at {grant.revoked_at.isoformat()}{why}.")
    # An issued grant has its period and purpose (the table's issued_complete constraint).
    assert grant.valid_from is not None
    assert grant.valid_until is not None
    assert grant.purpose is not None
    if now < grant.valid_from:
        detail = f"Grant {grant.grant_id} is not valid before {grant.valid_from.isoformat()}."
        return Refusal(Check.not_yet_valid, detail)
    if now >= grant.valid_until:
        return Refusal(Check.expired, f"Grant {grant.grant_id} expired at {grant.valid_until.isoformat()}.")
    if not purposes_match(grant.purpose, purpose):
        detail = f"Grant {grant.grant_id} is for the purpose “{grant.purpose}”, not “{purpose}”."
        return Refusal(Check.purpose, detail, PURPOSE_FIELD)
    held = grant.items or []
    if not held:
        return Refusal(Check.items, f"Grant {grant.grant_id} holds no item any more.", ITEMS_FIELD)
    outside = tuple(sorted(set(items or ()) - set(held)))
    if outside:
        detail = (f"Grant {grant.grant_id} does not hold the items {', '.join(outside)}; "
                  f"it holds {', '.join(held)}.")  # fmt: skip
        return Refusal(Check.items, detail, ITEMS_FIELD, outside)
    return None


def _issued(grant: Grant) -> tuple[datetime, uuid.UUID]:
    assert grant.issued_at is not None  # only issued grants are held (`held_by`)
    return grant.issued_at, grant.grant_id


def decide(
    grants: Sequence[Grant], purpose: str, items: Collection[str] | None, now: datetime, *, named: bool
) -> Grant | Refusal:
    """The grant a delivery is made under, of the caller's grants of the entry (the one it `named`, or all it
    holds), or why none allows it (A21.1).

    Of several that allow it, the latest issued: a reissued grant, with a fresh period, is the one audited. When
    none does, a caller who named no grant and holds none for its purpose is told so; otherwise the reason is that
    of the grant closest to allowing it (refused at the latest check; the latest issued among equals).
    """
    judged = [(grant, refusal(grant, purpose, items, now)) for grant in grants]
    allowed = [grant for grant, why in judged if why is None]
    if allowed:
        return max(allowed, key=_issued)
    refused = [(grant, why) for grant, why in judged if why is not None]
    if not named:
        refused = [(grant, why) for grant, why in refused if purposes_match(grant.purpose or "", purpose)]
        if not refused:
            detail = f"Your agency holds no grant of the entry for the purpose “{purpose}”."
            return Refusal(Check.purpose, detail, PURPOSE_FIELD)
    return max(refused, key=lambda pair: (pair[1].check, _issued(pair[0])))[1]


def purpose_declared(header: str | None) -> tuple[str | None, str | None]:
    """The purpose a pull declares in `x-hub-purpose` (percent-encoded UTF-8), or the problem with it: absent,
    longer than a grant's purpose can be, or holding control characters or invalid UTF-8 (A21.1)."""
    purpose = declared_purpose(header)
    if purpose is None:
        return None, "declare the purpose of the pull, percent-encoded UTF-8: a grant binds it (A21.1)"
    if len(purpose) > MAX_PURPOSE_CHARS:
        return None, f"a purpose has at most {MAX_PURPOSE_CHARS} characters"
    if any(ch < " " or "\x7f" <= ch < "\xa0" or ch == "\ufffd" for ch in purpose):
        return None, "a purpose holds no control characters nor invalid UTF-8"
    return purpose, None


def narrowed(current: Sequence[str] | None, to: Sequence[str]) -> list[str]:
    """The items a grant holds after a narrowing to `to`: never more than it held (None: not yet known)."""
    if current is None:
        return list(to)
    remaining = set(to)
    return [name for name in current if name in remaining]


def revoked_first(current: datetime | None, revoked_at: datetime) -> datetime:
    """When a grant was revoked: the first revocation stands, whichever event arrives first."""
    return revoked_at if current is None else min(current, revoked_at)
