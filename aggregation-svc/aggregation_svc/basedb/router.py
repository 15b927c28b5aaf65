"""HTTP for the base databases view (A18.1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from aggregation_svc.basedb import service
from aggregation_svc.basedb.schemas import BaseDatabaseOut
from aggregation_svc.entries.scope import scope_of
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["base databases"])


@router.get("/base-databases", response_model=list[BaseDatabaseOut])
async def list_base_databases(
    session: SessionDep, caller: Annotated[Caller, Depends(require_roles(Role.agency_system, *OPERATOR_ROLES))]
) -> list[BaseDatabaseOut]:
    """The five base databases (人口, 法人, 自然资源和空间地理, 电子证照, 社会信用) with record counts and freshness.

    Each lists the entries the caller sees: an agency its own (A15.2), an operator its region's (A4.1).
    """
    return await service.base_databases(session, scope_of(caller))
