"""HTTP for data quality: an entry's indicators, rollups per agency and region, and a snapshot on demand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from aggregation_svc.entries.scope import scope_of
from aggregation_svc.quality import service
from aggregation_svc.quality.schemas import EntryQualityOut, QualityRollupOut, SnapshotRunOut
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(prefix="/quality", tags=["quality"])
AgencyOrOperator = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
Operator = Annotated[Caller, Depends(require_roles(*OPERATOR_ROLES))]
Administrator = Annotated[Caller, Depends(require_roles(Role.administrator))]


@router.get("/entries/{entry_id}", response_model=EntryQualityOut)
async def read_entry_quality(
    entry_id: uuid.UUID,
    session: SessionDep,
    caller: AgencyOrOperator,
    limit: Annotated[int, Query(ge=1, le=1000, description="Snapshots of history, newest first")] = 100,
) -> EntryQualityOut:
    """The entry's completeness, validity, timeliness and uniqueness, latest and over time (A25.1)."""
    return await service.entry_quality(session, caller, entry_id, limit)


@router.get("/agencies/{agency_id}", response_model=QualityRollupOut)
async def read_agency_quality(
    agency_id: uuid.UUID, request: Request, session: SessionDep, caller: AgencyOrOperator
) -> QualityRollupOut:
    """The agency's quality indicators over its entries, with their daily history (A32.1)."""
    return await service.agency_quality(session, caller, agency_id, request.app.state.settings.timezone)


@router.get("/regions/{region_code}", response_model=QualityRollupOut)
async def read_region_quality(
    region_code: Annotated[str, Path(pattern=r"^[0-9]{6}$", description="Administrative division code (GB/T 2260)")],
    request: Request,
    session: SessionDep,
    caller: Operator,
) -> QualityRollupOut:
    """The region's quality indicators over its entries (a city's include its districts'), with history (A32.1)."""
    return await service.region_quality(session, caller, region_code, request.app.state.settings.timezone)


@router.post("/snapshots", response_model=SnapshotRunOut)
async def take_quality_snapshots(session: SessionDep, caller: Administrator) -> SnapshotRunOut:
    """Measure every live entry of the administrator's region now (the periodic task does so hourly) (A25.1)."""
    now = datetime.now(UTC)
    region_code = scope_of(caller).region_code  # an administrator acts in its region only (A4.1)
    run = await service.take_snapshots(session, now, region_code)
    return service.run_summary(run, now, region_code)
