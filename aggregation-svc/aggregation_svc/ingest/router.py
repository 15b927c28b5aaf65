"""HTTP for ingest: push a batch (NDJSON, CSV or a JSON array, streamed), read its report (A15.1, A15.2, A17.1)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status

from aggregation_svc.entries import scope
from aggregation_svc.entries import service as entries
from aggregation_svc.ingest import service
from aggregation_svc.ingest.formats import Body, format_of
from aggregation_svc.ingest.schemas import BatchReport, IngestMode
from hub.contracts.aggregation import BATCH_ID_PATTERN
from hub.db import SessionDep
from hub.errors import Conflict
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["ingest"])
Pushing = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.ingest_job))]
Reading = Annotated[Caller, Depends(require_roles(Role.agency_system, Role.ingest_job, *OPERATOR_ROLES))]
BatchId = Annotated[str, Path(pattern=BATCH_ID_PATTERN, description="The pusher's id of the batch; reuse it to retry")]
# Rows are numbered in a PostgreSQL integer (quarantined_rows.row_number).
MAX_ROW_NUMBER = 2**31 - 1

_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The batch's records, streamed. Fields are data item names; `_consent_id` references the "
        "subject's consent (required for consent-required entries, A16.1).",
        "content": {
            "application/x-ndjson": {"schema": {"type": "string"}, "example": '{"id_number": "…", "full_name": "…"}'},
            "text/csv": {"schema": {"type": "string"}, "example": "id_number,full_name\n…,…"},
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        },
    }
}


@router.post(
    "/entries/{entry_id}/batches/{batch_id}",
    status_code=status.HTTP_201_CREATED,
    response_model=BatchReport,
    openapi_extra=_BATCH_BODY,
    responses={200: {"model": BatchReport, "description": "A retried batch: the first result, unchanged"}},
)
async def push_batch(
    entry_id: uuid.UUID,
    batch_id: BatchId,
    request: Request,
    response: Response,
    session: SessionDep,
    caller: Pushing,
    mode: Annotated[
        IngestMode,
        Query(description="`replace`: each row is the whole record. `merge`: each row sets the items it names."),
    ] = "replace",
) -> BatchReport:
    """Push a batch of records for one of the agency's published entries (A17.1).

    Refused whole for an entry that is not published (A15.1), by an agency other than the entry's responsible one
    (A15.2), or when a row carries an item the entry does not declare (A15.1). Otherwise every row is validated
    against the entry's items; valid rows are stored by key, the others are quarantined with their reasons. A
    retried batch id has no second effect: it answers 200 with the first result (409 if the content or the mode
    differs).

    What a row does to the record its key items name depends on `mode`, the same for the whole batch:

    - `replace` (default): the row is the whole record. An item the row does not carry, or carries blank (null,
      an empty CSV cell), has no value afterwards. A row without a key or required item is quarantined naming
      it; a CSV header without a column for a key or required item refuses the batch (422).
    - `merge`: the row sets the items it names (a CSV column of the header, a field of a JSON record) and clears
      those it names blank; every item it does not name keeps its stored value. A row whose key is not stored yet
      makes a new record, which needs every required item, else it is quarantined naming the missing ones. The
      CSV header needs every key item. An entry without key items refuses merge (422, `mode`).

    Either way a row names the consent it rests on (`_consent_id`, A16.1); a merge does not keep a stored one.
    Each change is a new version in the record's history.
    """
    entry = await entries.accepting_entry(session, entry_id)
    scope.require_responsible_agency(caller, entry.row)
    incoming = service.http_incoming(Body(request.stream()), format_of(request.headers.get("content-type")))
    assert caller.agency_id is not None
    pusher = service.Pusher(agency_id=uuid.UUID(caller.agency_id), subject=caller.subject)
    outcome = await service.ingest_batch(session, entry, pusher, batch_id, "http", incoming, mode)
    if outcome.replayed:
        if not outcome.same_content:
            raise Conflict(
                f"Batch {batch_id} was already ingested with other content or in another mode; push new content "
                "under a new batch id.",
                requirement="A17.1",
            )
        response.status_code = status.HTTP_200_OK
    # What the gateway's audit trail records of the exchange (A36.1).
    response.headers["x-hub-audit-entry"] = str(entry_id)
    response.headers["x-hub-audit-rows"] = str(outcome.batch.received)
    return await service.report(session, outcome.batch, replayed=outcome.replayed)


@router.get("/entries/{entry_id}/batches/{batch_id}", response_model=BatchReport)
async def get_batch_report(
    entry_id: uuid.UUID,
    batch_id: BatchId,
    session: SessionDep,
    caller: Reading,
    after: Annotated[int, Query(ge=0, le=MAX_ROW_NUMBER, description="Quarantined rows after this row number")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> BatchReport:
    """A batch's report: its counts and its quarantined rows with row number, field and reason (A17.1)."""
    batch = await service.readable_batch(session, caller, entry_id, batch_id)
    return await service.report(session, batch, after=after, limit=limit)
