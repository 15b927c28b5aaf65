"""HTTP for the authoritative-source register (A15.3)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from catalog_svc.sources import service
from catalog_svc.sources.schemas import SourceIn, SourceOut
from hub.db import SessionDep
from hub.internal_token import Caller, CallerDep
from hub.roles import Role, require_roles

router = APIRouter(prefix="/sources", tags=["authoritative sources"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=SourceOut)
async def register_source(
    body: SourceIn, session: SessionDep, caller: Annotated[Caller, Depends(require_roles(Role.administrator))]
) -> SourceOut:
    """Declare the one authoritative source of a data item (A15.3)."""
    return SourceOut.model_validate(await service.register_source(session, caller, body))


@router.get("", response_model=list[SourceOut])
async def list_sources(session: SessionDep, caller: CallerDep) -> list[SourceOut]:
    """The register: which entry is the source of which item."""
    return [SourceOut.model_validate(s) for s in await service.sources(session)]
