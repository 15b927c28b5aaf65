"""HTTP for delivery: an entry's records, projected and filtered, as JSON pages or one NDJSON stream."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from aggregation_svc.delivery import service
from aggregation_svc.delivery.schemas import RecordHistory, RecordsPage
from aggregation_svc.entries import scope
from aggregation_svc.entries import service as entries
from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.purposes import MAX_PURPOSE_CHARS, PURPOSE_HEADER
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["delivery"])
Reading = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.agency_officer, *OPERATOR_ROLES))]
NDJSON = "application/x-ndjson"
# An entry declares at most 500 items of at most 60 characters (catalog-svc), written comma-separated.
MAX_ITEMS_CHARS = 500 * 61
# A cursor holds one record key (base64): 16 KiB holds keys of thousands of characters and keeps the URL within
# what HTTP servers commonly take.
MAX_CURSOR_CHARS = 16 * 1024
# A purpose of 200 characters percent-encoded: at most 4 UTF-8 bytes each, 3 characters a byte.
MAX_PURPOSE_HEADER_CHARS = MAX_PURPOSE_CHARS * 12


class SnapshotStream(StreamingResponse):
    """A stream whose snapshot is closed when the response is over: sent, cut by the client, or never begun."""

    def __init__(self, stream: service.Stream, headers: dict[str, str]) -> None:
        super().__init__(stream.lines, media_type=NDJSON, headers=headers)
        self._close: Callable[[], Awaitable[None]] = stream.close

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            with anyio.CancelScope(shield=True):
                await self._close()


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
    now: NowDep,
    items: Annotated[
        str | None,
        Query(
            max_length=MAX_ITEMS_CHARS,
            description="Items to deliver, comma-separated; all by default (under a grant: the grant's)",
        ),
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=MAX_CURSOR_CHARS, description="`next_cursor` of the previous page")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, le=1000, description="Records per page (100); a stream: all")] = None,
    grant: Annotated[
        uuid.UUID | None,
        Query(
            description="Another agency: the grant to pull under; by default its live grant of the entry for the "
            "declared purpose that holds the items (A21.1)"
        ),
    ] = None,
    purpose: Annotated[
        str | None,
        Header(
            alias=PURPOSE_HEADER,
            max_length=MAX_PURPOSE_HEADER_CHARS,
            description="Another agency: the purpose of the pull, percent-encoded UTF-8; required (A21.1)",
        ),
    ] = None,
) -> RecordsPage | StreamingResponse:
    """The entry's records in key order, projected to `items`, filtered by `key.<item>=<value>` on key items.

    JSON pages with a cursor, or every matching record as one stream with `Accept: application/x-ndjson`.
    Records whose consent was revoked are never delivered (A16.1). The entry's responsible agency and the bureau
    of its region read them as stored; another agency only under its grant, for the grant's purpose and items,
    every value carrying the grant's fingerprint (A21.1).
    """
    params = list(request.query_params.multi_items())
    pull = service.Pull(caller, entry_id, items, params, cursor, limit, grant, purpose, now)
    if NDJSON in request.headers.get("accept", ""):
        stream = await service.open_stream(request.app.state.sessionmaker, pull)
        return SnapshotStream(stream, {**stream.delivery.audit(stream.rows), "cache-control": "no-store"})
    delivery = await service.delivery_of(session, pull)
    result = await service.page(session, delivery)
    response.headers.update({**delivery.audit(len(result.records)), "cache-control": "no-store"})
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
