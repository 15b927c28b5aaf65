"""HTTP for the indicator system (A32.1): parse, authorise, call the service, shape the answer."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import StreamingResponse

from hub.db import SessionDep
from hub.dependencies import CalendarDep, NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from supervision_svc.indicators import export, service
from supervision_svc.indicators.periods import PERIOD_PATTERN
from supervision_svc.indicators.schemas import REGION_CODE, Exchanges, ExportFormat, Indicators, Periods
from supervision_svc.indicators.service import Asked, Clock

router = APIRouter(tags=["indicators"])
Reader = Annotated[Caller, Depends(require_roles(Role.agency_officer, Role.agency_admin, *OPERATOR_ROLES))]
PeriodQuery = Annotated[
    str | None, Query(pattern=PERIOD_PATTERN, description="A calendar quarter, e.g. 2026Q4 (default: the current).")
]
RegionQuery = Annotated[
    str | None,
    Query(pattern=REGION_CODE, description="An operator's region (default) or one within it (A4.1); not for agencies."),
]
AgencyQuery = Annotated[
    uuid.UUID | None, Query(description="One agency's figures: of the operator's region, or the caller's own (A15.2).")
]
_FILE: dict[int | str, dict[str, Any]] = {
    200: {"content": {media: {} for media in export.MEDIA_TYPES.values()}, "description": "The indicators"}
}


def _clock(request: Request, now: NowDep, calendar: CalendarDep) -> Clock:
    return Clock(now, calendar, ZoneInfo(request.app.state.settings.timezone))


ClockDep = Annotated[Clock, Depends(_clock)]


@router.get("/indicators", response_model=Indicators)
async def indicators(
    session: SessionDep, caller: Reader, clock: ClockDep, period: PeriodQuery = None, region: RegionQuery = None,
    agency: AgencyQuery = None,
) -> Indicators:  # fmt: skip
    """Every indicator per agency and per region for the period, beside the previous period's (A32.1): a closed
    period as kept when it closed, the current one as of now."""
    return await service.indicators(session, caller, Asked(period, region, agency), clock)


@router.get("/indicators/exchanges", response_model=Exchanges)
async def exchanges(
    session: SessionDep, caller: Reader, clock: ClockDep, period: PeriodQuery = None, region: RegionQuery = None,
    agency: AgencyQuery = None,
) -> Exchanges:  # fmt: skip
    """Exchanges of data through the gateway by consuming and providing agency: requests and rows (A12.1, A32.1)."""
    return await service.exchanges(session, caller, Asked(period, region, agency), clock)


@router.get("/indicators/export", response_class=StreamingResponse, responses=_FILE)
async def export_indicators(
    session: SessionDep, caller: Reader, clock: ClockDep, format: ExportFormat, period: PeriodQuery = None,
    region: RegionQuery = None, agency: AgencyQuery = None,
) -> StreamingResponse:  # fmt: skip
    """The indicators and the exchanges by agency pair as CSV (UTF-8 with BOM, text cells safe from formulas) or
    XLSX, one row per figure (A32.1)."""
    shown, table = await service.export_table(session, caller, Asked(period, region, agency), clock)
    headers = {"content-disposition": f'attachment; filename="indicators-{shown}.{format.value}"'}
    return StreamingResponse(export.file_chunks(format, table), media_type=export.MEDIA_TYPES[format], headers=headers)


@router.get("/indicators/periods", response_model=Periods)
async def periods(session: SessionDep, caller: Reader, clock: ClockDep) -> Periods:
    """The periods known, from the earliest fact's to the current one, and which are closed: kept as a snapshot."""
    return await service.periods(session, clock)
