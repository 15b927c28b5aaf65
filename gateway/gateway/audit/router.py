"""HTTP for the audit: export with proof and verification for inspectors (A34.1), security events (A28.1)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import StreamingResponse

from gateway.access.dependencies import ContextDep, PrincipalDep
from gateway.audit import repository, service
from gateway.audit.models import MAX_SEQ
from hub.db import SessionDep
from hub.errors import Forbidden, InvalidInput
from hub.regions import is_city

router = APIRouter(prefix="/admin", tags=["audit"])
_EXPORT: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/json": {}, "text/csv": {}},
        "description": "The records with the chain proof, as JSON (format=json) or CSV (format=csv)",
    }
}


@router.get("/audit/export", response_class=StreamingResponse, responses=_EXPORT)
async def export_audit(
    session: SessionDep,
    principal: PrincipalDep,
    context: ContextDep,
    first: Annotated[int, Query(ge=1, le=MAX_SEQ, alias="from")] = 1,
    last: Annotated[int | None, Query(ge=1, le=MAX_SEQ, alias="to")] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> StreamingResponse:
    """Audit records from..to with the chain proof; an inspector of a district sees its district (A4.1).

    Every parameter is checked, and the first page read, before the response starts: a fault found then is a
    problem+json answer, not a 200 whose body breaks off. Every answered exchange's record is already committed
    (the guard commits it before answering, A36.1), so the export holds them all.
    """
    if last is not None and last < first:
        raise InvalidInput(
            "`to` is before `from`.", errors=[{"field": "query.to", "message": "must not be less than `from`"}]
        )
    assert context.sessionmaker is not None
    region = principal.region_code or ""
    if format == "csv":
        proof = await service.proof(session, first)
        return StreamingResponse(
            await service.started(service.export_csv(context.sessionmaker, first, last, region)),
            media_type="text/csv; charset=utf-8",
            headers={
                "x-hub-chain-prev-hash": str(proof["prev_hash_of_first"]),
                "content-disposition": 'attachment; filename="audit.csv"',
            },
        )
    return StreamingResponse(
        await service.started(service.export_json(context.sessionmaker, first, last, region)),
        media_type="application/json",
    )


@router.get("/audit/verify")
async def verify_audit(session: SessionDep, principal: PrincipalDep) -> dict[str, Any]:
    """Recompute the whole chain and compare it with its anchors; lists every break found (the city's inspectors:
    the chain is one for the whole hub, A4.1)."""
    if not principal.region_code or not is_city(principal.region_code):
        raise Forbidden("Only the city's inspectors verify the whole audit chain.", requirement="A4.1")
    breaks = await service.verify(session)
    return {"intact": not breaks, "breaks": [asdict(b) for b in breaks]}


@router.get("/security-events")
async def security_events(
    session: SessionDep,
    principal: PrincipalDep,
    first: Annotated[int, Query(ge=1, le=MAX_SEQ, alias="from")] = 1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Failed authentications, denied accesses and limit trips, newest last (A28.1)."""
    out = []
    async for record in repository.records(session, first, None, region=principal.region_code or "", kind="security"):
        out.append(service.jsonable(record))
        if len(out) >= limit:
            break
    return out
