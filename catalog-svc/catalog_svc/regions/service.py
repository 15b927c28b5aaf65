"""Use cases of the region tree and compilation rules (A4.1, A13.2)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.entries.rules import CompilationRequirements
from catalog_svc.regions.models import CompilationRule, Region
from catalog_svc.regions.schemas import CompilationRuleIn, RegionIn
from hub.errors import Conflict, Forbidden, NotFound
from hub.internal_token import Caller

_SUBTREE = text(
    "WITH RECURSIVE tree AS (SELECT code FROM regions WHERE code = :root "
    "UNION ALL SELECT r.code FROM regions r JOIN tree t ON r.parent_code = t.code) SELECT code FROM tree"
)
_ANCESTRY = text(
    "WITH RECURSIVE up AS (SELECT code, parent_code, 0 AS depth FROM regions WHERE code = :code "
    "UNION ALL SELECT r.code, r.parent_code, up.depth + 1 FROM regions r JOIN up ON r.code = up.parent_code) "
    "SELECT code FROM up ORDER BY depth"
)


async def subtree(session: AsyncSession, root: str) -> list[str]:
    """The region and every region under it: a city's bureau sees its districts (A4.1)."""
    return list((await session.execute(_SUBTREE, {"root": root})).scalars())


async def contains(session: AsyncSession, outer: str | None, inner: str) -> bool:
    """Whether region `inner` is `outer` or lies under it in the region tree."""
    return outer is not None and inner in await subtree(session, outer)


async def require_region_scope(session: AsyncSession, caller: Caller, region_code: str) -> None:
    """Forbidden unless the operator's region contains `region_code` (A4.1)."""
    if not await contains(session, caller.region_code, region_code):
        raise Forbidden(f"Region {region_code} is outside {caller.region_code}.", requirement="A4.1")


async def get_region(session: AsyncSession, code: str) -> Region:
    region = await session.get(Region, code)
    if region is None:
        raise NotFound(f"No region {code}.")
    return region


async def add_region(session: AsyncSession, caller: Caller, data: RegionIn) -> Region:
    """Add a city, or a county-level city or district under the caller's region (A4.1)."""
    if await session.get(Region, data.code):
        raise Conflict(f"Region {data.code} exists.")
    if data.parent_code is None:
        if data.level != "city":
            raise Conflict("Only a city has no parent region.")
        if caller.region_code != data.code:
            raise Forbidden(f"Only the bureau of {data.code} adds it as a city.", requirement="A4.1")
    else:
        await get_region(session, data.parent_code)
        await require_region_scope(session, caller, data.parent_code)
    region = Region(code=data.code, name=data.name, level=data.level, parent_code=data.parent_code)
    session.add(region)
    await session.flush()
    return region


async def regions(session: AsyncSession) -> list[Region]:
    return list((await session.execute(select(Region).order_by(Region.code))).scalars())


async def set_compilation_rule(
    session: AsyncSession, caller: Caller, region_code: str, data: CompilationRuleIn
) -> CompilationRule:
    """The bureau sets its region's compilation requirements (A13.2)."""
    await get_region(session, region_code)
    await require_region_scope(session, caller, region_code)
    rule = await session.get(CompilationRule, region_code)
    if rule is None:
        rule = CompilationRule(region_code=region_code)
        session.add(rule)
    rule.required_elements = list(data.required_elements)
    rule.allowed_update_cycles = [str(c) for c in data.allowed_update_cycles]
    rule.code_pattern = data.code_pattern
    rule.updated_by = caller.subject
    rule.updated_at = datetime.now(UTC)
    await session.flush()
    return rule


async def requirements_for(session: AsyncSession, region_code: str) -> CompilationRequirements:
    """The compilation rules in force for a region: its own, else its nearest ancestor's, else the defaults."""
    for code in (await session.execute(_ANCESTRY, {"code": region_code})).scalars():
        rule = await session.get(CompilationRule, code)
        if rule is not None:
            return CompilationRequirements(
                tuple(rule.required_elements), tuple(rule.allowed_update_cycles), rule.code_pattern
            )
    return CompilationRequirements()
