"""HTTP for delivery: an entry's records, projected and filtered, as JSON pages or one NDJSON stream."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from aggregation_svc.delivery import service
from aggregation_svc.delivery.schemas import RecordHistory, RecordsPage
from aggregation_svc.entries import scope
from aggregation_svc.entries import service as entries
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["delivery"])
Reading = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
NDJSON = "application/x-ndjson"
# An entry declares at most 500 items of at most 60 characters (catalog-svc), written comma-separated.
MAX_ITEMS_CHARS = 500 * 61
# A cursor holds one record key (base64): 16 KiB holds keys of thousands of characters and keeps the URL within
# what HTTP servers commonly take.
MAX_CURSOR_CHARS = 16 * 1024


@router.get(
    "/entries/{entry_id}/records",
    response_model=RecordsPage,
    responses={200: {"content": {NDJSON: {"schema": {"type": "string"}}}}},
)
async def read_records(
    entry_id: uuid.UUID,
    request: Request,
    response: Response,
    session: SessionDep,
    caller: Reading,
    items: Annotated[
        str | None, Query(max_length=MAX_ITEMS_CHARS, description="Items to deliver, comma-separated; all by default")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_CHARS, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Records per page (100); a stream: all")] = None,
) -> RecordsPage | StreamingResponse:
    """The entry's records in key order, projected to `items`, filtered by `key.<item>=<value>` on key items.

    JSON pages with a cursor, or every matching record as one stream with `Accept: application/x-ndjson`.
    Records whose consent was revoked are never delivered (A16.1).
    """
    entry = await entries.entry_or_404(session, entry_id)
    scope.require_reader(caller, entry.row)
    delivery = service.plan(entry, items, list(request.query_params.multi_items()), cursor, limit)
    # What the gateway's audit trail records of the delivery (A21.1, A36.1).
    audit = {"x-hub-audit-entry": str(entry_id), "x-hub-audit-items": ",".join(delivery.items)}
    if NDJSON in request.headers.get("accept", ""):
        sessionmaker = request.app.state.sessionmaker
        return StreamingResponse(
            service.ndjson(sessionmaker, delivery), media_type=NDJSON, headers={**audit, "cache-control": "no-store"}
        )
    result = await service.page(session, delivery)
    response.headers.update({**audit, "x-hub-audit-rows": str(len(result.records)), "cache-control": "no-store"})
    return result


@router.get("/entries/{entry_id}/history", response_model=RecordHistory)
async def read_record_history(
    entry_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    caller: Reading,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> RecordHistory:
    """One record, named by `key.<item>=<value>` for every key item: its data and every change (A17.1, A36.1)."""
    entry = await entries.entry_or_404(session, entry_id)
    scope.require_reader(caller, entry.row)
    return await service.history(session, entry, list(request.query_params.multi_items()), limit)
