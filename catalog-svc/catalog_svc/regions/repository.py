"""Every query of the region tree and its compilation rules, and nothing else."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.regions.models import CompilationRule, Region

_ANCESTRY = text(
    "WITH RECURSIVE up AS (SELECT code, parent_code, 0 AS depth FROM regions WHERE code = :code "
    "UNION ALL SELECT r.code, r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent_code) "
    "SELECT code FROM up ORDER BY depth"
)


async def get(session: AsyncSession, code: str) -> Region | None:
    """One region by its code."""
    return await session.get(Region, code)


async def all_regions(session: AsyncSession) -> Sequence[Region]:
    """The whole tree, in code order."""
    return (await session.execute(select(Region).order_by(Region.code))).scalars().all()


async def codes(session: AsyncSession) -> list[str]:
    """Every region's code, in order."""
    return list((await session.execute(select(Region.code).order_by(Region.code))).scalars())


async def existing(session: AsyncSession, codes: Collection[str]) -> set[str]:
    """Which of these codes are regions of the tree."""
    if not codes:
        return set()
    return set((await session.execute(select(Region.code).where(Region.code.in_(codes)))).scalars())


async def ancestry(session: AsyncSession, code: str) -> list[str]:
    """The region and its ancestors, nearest first."""
    return list((await session.execute(_ANCESTRY, {"code": code})).scalars())


async def compilation_rule(session: AsyncSession, region_code: str) -> CompilationRule | None:
    """The region's own compilation rule, if it set one."""
    return await session.get(CompilationRule, region_code)
