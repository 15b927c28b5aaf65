"""Every query of the open-use agreement's versions and acceptances, and nothing else."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from open_svc.agreements.models import Agreement, AgreementAcceptance


async def current(session: AsyncSession) -> Agreement | None:
    """The version in force: the highest."""
    query = select(Agreement).order_by(Agreement.version.desc()).limit(1)
    return (await session.execute(query)).scalar_one_or_none()


async def version(session: AsyncSession, number: int) -> Agreement | None:
    """One version."""
    return await session.get(Agreement, number)


async def next_version(session: AsyncSession) -> int:
    """The number the next version takes; the table is locked against other publishers until the transaction
    ends, so two bureau administrators publishing at once get consecutive numbers (readers are not blocked)."""
    await session.execute(text("LOCK TABLE open_agreements IN EXCLUSIVE MODE"))
    highest = (await session.execute(select(func.max(Agreement.version)))).scalar_one()
    return (highest or 0) + 1


async def acceptance(session: AsyncSession, application_id: uuid.UUID) -> AgreementAcceptance | None:
    """An application's acceptance of the agreement, if given."""
    query = select(AgreementAcceptance).where(AgreementAcceptance.application_id == application_id)
    return (await session.execute(query)).scalar_one_or_none()
