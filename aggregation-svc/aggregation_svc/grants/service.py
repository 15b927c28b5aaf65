"""Use cases of the grants read model: keeping it from share.events, and finding the grant a delivery is made
under (A21.1).

Each event applies once (the consumer's inbox) and in its consumer's transaction. Events of one grant arrive in
order (keyed by its id), but a replay or a republished event may not: a narrowing or a revocation of a grant not
yet issued here is kept on a row of its own (a tombstone for a revocation) that the issue later fills in, and the
three combine the same way in any order (grants.rules). No cache stands in front of the table: every delivery
reads the grant as committed, so a revocation refuses the next pull.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.grants import repository, rules
from aggregation_svc.grants.models import Grant
from hub.contracts.share import GrantIssued, GrantNarrowed, GrantRevoked
from hub.errors import Forbidden, InvalidInput


async def grant_issued(session: AsyncSession, event: GrantIssued) -> None:
    """Record what the grant allows; a narrowing heard before keeps its items out (A21.1)."""
    grant = await repository.held(session, event.grant_id, event.entry_id)
    if grant.issued_at is not None:
        return  # the same grant issued again: nothing new
    grant.application_id = event.application_id
    grant.consumer_agency_id = event.consumer_agency_id
    grant.provider_agency_id = event.provider_agency_id
    grant.items = rules.narrowed(event.items, grant.items) if grant.items is not None else list(event.items)
    grant.purpose = event.purpose
    grant.valid_from = event.valid_from
    grant.valid_until = event.valid_until
    grant.issued_at = event.issued_at


async def grant_narrowed(session: AsyncSession, event: GrantNarrowed) -> None:
    """The grant holds only the items that remain (never more than it held)."""
    grant = await repository.held(session, event.grant_id, event.entry_id)
    grant.items = rules.narrowed(grant.items, event.items)
    grant.narrowed_at = event.at if grant.narrowed_at is None else max(grant.narrowed_at, event.at)


async def grant_revoked(session: AsyncSession, event: GrantRevoked) -> None:
    """Deliveries under the grant are refused from now on, whenever its issue arrives (A21.1)."""
    grant = await repository.held(session, event.grant_id, event.entry_id)
    grant.revoked_at = rules.revoked_first(grant.revoked_at, event.revoked_at)
    if grant.revoked_at == event.revoked_at:
        grant.revoked_by, grant.revoke_reason = event.revoked_by, event.reason


async def grant_for_delivery(
    session: AsyncSession, agency_id: uuid.UUID, entry_id: uuid.UUID, entry_code: str, grant_id: uuid.UUID | None,
    purpose_header: str | None, items: Sequence[str] | None, now: datetime,
) -> Grant:  # fmt: skip
    """The grant under which the agency may receive `items` (None: the grant's own) of the entry now, for the
    purpose its pull declares: the one it names, or the one the centre picks of those it holds (A21.1).

    Refused (403, A21.1) with the reason when it holds none (a grant of another agency or entry, or an unknown
    one, gets the same answer) or none allows the delivery; 422 naming `x-hub-purpose` when no purpose is declared.
    """
    if grant_id is not None:
        named = await repository.grant(session, grant_id)
        grants: Sequence[Grant] = [named] if named is not None and rules.held_by(named, agency_id, entry_id) else []
    else:
        grants = await repository.of_agency_and_entry(session, agency_id, entry_id)
    if not grants:
        which = f" {grant_id}" if grant_id is not None else ""
        raise Forbidden(
            f"There is no grant{which} of your agency for entry {entry_code}: another agency's data is delivered "
            "only under a grant of the sharing platform.",
            requirement="A21.1",
            errors=[{"field": rules.GRANT_FIELD, "message": "no grant of your agency for the entry"}],
        )
    purpose, problem = rules.purpose_declared(purpose_header)
    if purpose is None:
        raise InvalidInput(
            f"Invalid value for: {rules.PURPOSE_FIELD}", requirement="A21.1",
            errors=[{"field": rules.PURPOSE_FIELD, "message": problem or "", "requirement": "A21.1"}],
        )  # fmt: skip
    decided = rules.decide(grants, purpose, items, now, named=grant_id is not None)
    if isinstance(decided, rules.Refusal):
        error = {"field": decided.field, "message": decided.detail, "requirement": "A21.1"}
        raise Forbidden(decided.detail, requirement="A21.1", errors=[error])
    return decided
