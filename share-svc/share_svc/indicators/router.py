"""HTTP for the sharing indicators (A32.1)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from hub.db import SessionDep
from hub.dependencies import NowDep, TodayDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from share_svc.disputes.schemas import REGION_CODE
from share_svc.indicators import service
from share_svc.indicators.schemas import Indicators, Moment
from share_svc.indicators.service import IndicatorQuery

router = APIRouter(tags=["indicators"])
Reader = Annotated[Caller, Depends(require_roles(Role.agency_officer, *OPERATOR_ROLES))]


@router.get("/indicators", response_model=Indicators)
async def indicators(
    session: SessionDep,
    caller: Reader,
    now: NowDep,
    today: TodayDep,
    region_code: Annotated[
        str | None, Query(pattern=REGION_CODE, description="The operator's region (default) or one within it (A4.1).")
    ] = None,
    agency_id: Annotated[
        uuid.UUID | None, Query(description="Only applications this agency provides or made (an officer: its own).")
    ] = None,
    since: Annotated[Moment | None, Query(description="Applications made at or after (with a UTC offset).")] = None,
    until: Annotated[Moment | None, Query(description="Applications made before (default: now).")] = None,
) -> Indicators:
    """Per provider agency and per bureau: applications by outcome, hours to each party's decision (count, mean,
    median, p90), overdue reviews, undecided disputes (A32.1), ready for the indicator system."""
    query = IndicatorQuery(region_code, agency_id, since, until)
    return await service.indicators(session, caller, query, now, today)
