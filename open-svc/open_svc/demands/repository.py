"""Every query of demand requests and their votes, and nothing else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.demands.lifecycle import DemandState
from open_svc.demands.models import Demand, DemandVote


async def get(session: AsyncSession, demand_id: uuid.UUID, *, lock: bool = False) -> Demand | None:
    """One demand; `lock` to answer it or count a vote."""
    return await session.get(Demand, demand_id, with_for_update=lock)


async def insert_vote(session: AsyncSession, demand_id: uuid.UUID, voter: str, at: datetime) -> bool:
    """Record the account's vote; False (nothing changed) if it voted already."""
    inserted = await session.execute(
        insert(DemandVote)
        .values(demand_id=demand_id, voter=voter, voted_at=at)
        .on_conflict_do_nothing(index_elements=[DemandVote.demand_id, DemandVote.voter])
        .returning(DemandVote.voter)
    )
    return inserted.first() is not None


async def count_vote(session: AsyncSession, demand: Demand) -> None:
    """Add one vote to the demand's count, in the database and on the row read."""
    counted = update(Demand).where(Demand.id == demand.id).values(votes=Demand.votes + 1).returning(Demand.votes)
    demand.votes = (await session.execute(counted)).scalar_one()


async def page(
    session: AsyncSession, state: DemandState | None, limit: int, offset: int
) -> tuple[Sequence[Demand], int]:
    """A page of demands, most votes first (then the oldest), and the total."""
    query = select(Demand)
    if state is not None:
        query = query.where(Demand.state == state)
    total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
    ordered = query.order_by(Demand.votes.desc(), Demand.requested_at, Demand.id).limit(limit).offset(offset)
    return (await session.execute(ordered)).scalars().all(), total
