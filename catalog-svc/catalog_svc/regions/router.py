"""HTTP for regions and their compilation rules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from catalog_svc.regions import service
from catalog_svc.regions.schemas import (
    REGION_CODE_PATTERN,
    CompilationRuleIn,
    CompilationRuleOut,
    CompilationRuleView,
    RegionIn,
    RegionOut,
)
from hub.db import SessionDep
from hub.internal_token import Caller, CallerDep
from hub.roles import Role, require_roles

router = APIRouter(tags=["regions"])
Administrator = Annotated[Caller, Depends(require_roles(Role.administrator))]
RegionCodePath = Annotated[str, Path(pattern=REGION_CODE_PATTERN, description="Administrative division code")]


@router.post("/regions", status_code=status.HTTP_201_CREATED, response_model=RegionOut)
async def add_region(body: RegionIn, session: SessionDep, caller: Administrator) -> RegionOut:
    """Add a city (its own bureau), or a county-level city or district of the administrator's city (A4.1)."""
    return RegionOut.model_validate(await service.add_region(session, caller, body))


@router.get("/regions", response_model=list[RegionOut])
async def list_regions(session: SessionDep, caller: CallerDep) -> list[RegionOut]:
    """The region tree."""
    return [RegionOut.model_validate(r) for r in await service.regions(session)]


@router.put("/regions/{region_code}/compilation-rules", response_model=CompilationRuleOut)
async def set_compilation_rule(
    region_code: RegionCodePath, body: CompilationRuleIn, session: SessionDep, caller: Administrator
) -> CompilationRuleOut:
    """Set the region's compilation requirements (A13.2)."""
    return CompilationRuleOut.model_validate(await service.set_compilation_rule(session, caller, region_code, body))


@router.get("/regions/{region_code}/compilation-rules", response_model=CompilationRuleView)
async def compilation_rule(region_code: RegionCodePath, session: SessionDep, caller: CallerDep) -> CompilationRuleView:
    """The requirements in force for the region (its own, inherited, or the defaults)."""
    await service.get_region(session, region_code)
    rules = await service.requirements_for(session, region_code)
    return CompilationRuleView.model_validate(
        {
            "required_elements": list(rules.required_elements),
            "allowed_update_cycles": list(rules.allowed_update_cycles),
            "code_pattern": rules.code_pattern,
        }
    )
