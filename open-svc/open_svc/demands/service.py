"""Use cases of demand requests (A27.1): a registered user asks for data to be opened (its request is its vote);
registered users vote, once per account; anyone reads them, most voted first; the bureau answers (planned, opened
naming the dataset, or declined with why), the bureau of the agency's region when the request names one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import DemandStepped
from hub.errors import Conflict, Forbidden, InvalidInput, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.published_catalogue.openness import is_open
from hub.regions import is_city, region_contains
from open_svc.applications.steps import SOURCE
from open_svc.catalogue.service import directory, published_entries
from open_svc.demands import lifecycle, repository
from open_svc.demands.lifecycle import DemandAction, DemandState
from open_svc.demands.models import Demand
from open_svc.demands.schemas import DemandAnswerIn, DemandIn, DemandOutcome


async def _step(session: AsyncSession, demand: Demand, action: DemandAction, now: datetime) -> None:
    before = DemandState(demand.state) if demand.state else DemandState.new
    demand.state = lifecycle.apply(before, action)
    event = DemandStepped(demand_id=demand.id, action=action, state=demand.state, votes=demand.votes, at=now,
                          outcome=demand.outcome, agency_id=demand.agency_id,
                          region_code=demand.region_code)  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def request(session: AsyncSession, caller: Caller, body: DemandIn, now: datetime) -> Demand:
    """A registered user asks for data to be opened; the request counts as its vote."""
    region = None
    if body.agency_id is not None:
        agency = await directory.agency(session, body.agency_id)
        if agency is None:
            raise InvalidInput("No such agency.", errors=[{"field": "agency_id", "message": "not a known agency"}])
        region = agency.region_code
    demand = Demand(id=uuid.uuid4(), title=body.title, description=body.description, agency_id=body.agency_id,
                    region_code=region, requested_by=caller.subject, requested_at=now, votes=1)  # fmt: skip
    await _step(session, demand, DemandAction.request, now)
    session.add(demand)
    await session.flush()
    await repository.insert_vote(session, demand.id, caller.subject, now)
    return demand


async def get(session: AsyncSession, demand_id: uuid.UUID) -> Demand:
    """One demand, for anyone."""
    demand = await repository.get(session, demand_id)
    if demand is None:
        raise NotFound(f"No demand {demand_id}.")
    return demand


async def vote(session: AsyncSession, caller: Caller, demand_id: uuid.UUID, now: datetime) -> Demand:
    """The account's vote for an open demand; a second vote by the same account is a 409 (A27.1)."""
    demand = await repository.get(session, demand_id, lock=True)
    if demand is None:
        raise NotFound(f"No demand {demand_id}.")
    if demand.state != DemandState.open:
        raise Conflict("The bureau has answered this demand: it takes no more votes.", requirement="A27.1")
    if not await repository.insert_vote(session, demand.id, caller.subject, now):
        raise Conflict("This account has voted for this demand already: one vote per account.", requirement="A27.1")
    await repository.count_vote(session, demand)
    return demand


async def listing(
    session: AsyncSession, state: DemandState | None, limit: int, offset: int
) -> tuple[Sequence[Demand], int]:
    """Demands, most votes first (A27.1)."""
    return await repository.page(session, state, limit, offset)


def _require_bureau_of(caller: Caller, demand: Demand) -> None:
    # A demand naming an agency is the bureau's of the agency's region (or one holding it); otherwise the city's.
    region = caller.region_code or ""
    if demand.region_code is not None and region_contains(region, demand.region_code):
        return
    if demand.region_code is None and is_city(region):
        return
    where = f"region {demand.region_code}" if demand.region_code else "the city"
    raise Forbidden(f"The demand is answered by the bureau of {where}.", requirement="A4.1")


async def answer(
    session: AsyncSession, caller: Caller, demand_id: uuid.UUID, body: DemandAnswerIn, now: datetime
) -> Demand:
    """The bureau answers the demand (A27.1): planned, opened (naming an open dataset), or declined."""
    demand = await repository.get(session, demand_id, lock=True)
    if demand is None:
        raise NotFound(f"No demand {demand_id}.")
    _require_bureau_of(caller, demand)
    if body.outcome == DemandOutcome.opened:
        entry = await published_entries.entry(session, body.entry_id) if body.entry_id else None
        if entry is None or not is_open(entry):
            raise InvalidInput(
                "An opened demand names the open dataset that answers it.",
                errors=[{"field": "entry_id", "message": "not an open dataset", "requirement": "A27.1"}],
            )
    demand.outcome, demand.answer, demand.entry_id = body.outcome, body.answer, body.entry_id
    demand.answered_by, demand.answered_at = caller.subject, now
    await _step(session, demand, DemandAction.answer, now)
    await session.flush()
    return demand
