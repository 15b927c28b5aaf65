"""Use cases of the region tree and compilation rules (A4.1, A13.2)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from catalog_svc.entries.rules import CompilationRequirements
from catalog_svc.regions import repository
from catalog_svc.regions.models import CompilationRule, Region
from catalog_svc.regions.rules import placement_problems
from catalog_svc.regions.schemas import CompilationRuleIn, RegionIn
from hub.errors import Conflict, Forbidden, NotFound, RuleViolation
from hub.internal_token import Caller
from hub.regions import region_contains


async def subtree(session: AsyncSession, root: str) -> list[str]:
    """The known regions `root` contains, itself included: a city's bureau sees its districts (A4.1).

    Containment is hub.regions.region_contains, the one region rule of the mesh; the tree only lists the codes.
    """
    return [code for code in await repository.codes(session) if region_contains(root, code)]


def require_scope(caller: Caller, region_code: str) -> None:
    """Forbidden unless the operator's region contains `region_code` (A4.1)."""
    if not caller.region_code or not region_contains(caller.region_code, region_code):
        raise Forbidden(f"Region {region_code} is outside {caller.region_code}.", requirement="A4.1")


async def require_region_scope(session: AsyncSession, caller: Caller, region_code: str) -> Region:
    """The region, if it exists (else NotFound) and lies inside the operator's (else Forbidden, A4.1)."""
    region = await get_region(session, region_code)
    require_scope(caller, region_code)
    return region


async def get_region(session: AsyncSession, code: str) -> Region:
    """One region, or NotFound."""
    region = await repository.get(session, code)
    if region is None:
        raise NotFound(f"No region {code}.")
    return region


async def add_region(session: AsyncSession, caller: Caller, data: RegionIn) -> Region:
    """Add a city (by its own bureau), or a county-level city or district of the caller's city (A4.1)."""
    if await repository.get(session, data.code):
        raise Conflict(f"Region {data.code} exists.")
    if data.parent_code is not None:
        await require_region_scope(session, caller, data.parent_code)
    problems = placement_problems(data.code, data.level, data.parent_code)
    if problems:
        raise RuleViolation(f"Region {data.code} cannot be a {data.level} there.", errors=problems, requirement="A4.1")
    if data.parent_code is None and caller.region_code != data.code:
        raise Forbidden(f"Only the bureau of {data.code} adds it as a city.", requirement="A4.1")
    region = Region(code=data.code, name=data.name, level=data.level, parent_code=data.parent_code)
    session.add(region)
    await session.flush()
    return region


async def regions(session: AsyncSession) -> Sequence[Region]:
    """The region tree, in code order."""
    return await repository.all_regions(session)


async def known_regions(session: AsyncSession, codes: Collection[str]) -> set[str]:
    """Which of these codes are regions of the tree."""
    return await repository.existing(session, codes)


async def set_compilation_rule(
    session: AsyncSession, caller: Caller, region_code: str, data: CompilationRuleIn
) -> CompilationRule:
    """The bureau sets its region's compilation requirements (A13.2), inside its own region only (A4.1)."""
    await require_region_scope(session, caller, region_code)
    rule = await repository.compilation_rule(session, region_code)
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
    for code in await repository.ancestry(session, region_code):
        rule = await repository.compilation_rule(session, code)
        if rule is not None:
            return CompilationRequirements(
                tuple(rule.required_elements), tuple(rule.allowed_update_cycles), rule.code_pattern
            )
    return CompilationRequirements()
