"""HTTP for the base databases view (A18.1)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from aggregation_svc.basedb import service
from aggregation_svc.basedb.schemas import BaseDatabaseOut
from hub.db import SessionDep
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["base databases"])


@router.get(
    "/base-databases",
    response_model=list[BaseDatabaseOut],
    dependencies=[Depends(require_roles(Role.agency_system, *OPERATOR_ROLES))],
)
async def list_base_databases(session: SessionDep) -> list[BaseDatabaseOut]:
    """The five base databases (人口, 法人, 自然资源和空间地理, 电子证照, 社会信用) with record counts and freshness."""
    return await service.base_databases(session)
