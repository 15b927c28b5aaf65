"""HTTP for data keys and the keyed records of conditional open data (A24.3)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status

from hub.db import SessionDep
from hub.dependencies import NowDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles
from open_svc.keys import service
from open_svc.keys.schemas import KeyedRecords, KeyIssued, KeyOut, RevokeIn

router = APIRouter(tags=["data keys"])
PortalUser = Annotated[Caller, Depends(require_roles(Role.portal_user))]
Reader = Annotated[Caller, Depends(require_roles(Role.portal_user, Role.agency_officer, *OPERATOR_ROLES))]
Revoker = Annotated[
    Caller, Depends(require_roles(Role.portal_user, Role.agency_officer, Role.reviewer, Role.administrator))
]
DataKeyHeader = Annotated[
    str | None, Header(max_length=100, description="The data key issued for this dataset (shown once at issue).")
]


@router.post("/applications/{application_id}/keys", status_code=status.HTTP_201_CREATED, response_model=KeyIssued)
async def issue_key(application_id: uuid.UUID, session: SessionDep, caller: PortalUser, now: NowDep) -> KeyIssued:
    """A data key for the dataset's approved items, shown once, for the applicant whose application is approved
    and who accepted the open-use agreement (A24.3: a 409 before). It replaces the application's live key."""
    key, plaintext = await service.issue(session, caller, application_id, now)
    return KeyIssued(**KeyOut.model_validate(key).model_dump(), data_key=plaintext)


@router.get("/applications/{application_id}/keys", response_model=list[KeyOut])
async def list_keys(application_id: uuid.UUID, session: SessionDep, caller: Reader) -> list[KeyOut]:
    """The application's keys, live and revoked (their hints, never the keys)."""
    return [KeyOut.model_validate(k) for k in await service.of_application(session, caller, application_id)]


@router.post("/keys/{key_id}/revoke", response_model=KeyOut)
async def revoke_key(key_id: uuid.UUID, body: RevokeIn, session: SessionDep, caller: Revoker, now: NowDep) -> KeyOut:
    """Revoke a data key: its holder revokes that key; an officer of the collecting agency or the bureau ends the
    application's access with it, so no key is issued for it again."""
    return KeyOut.model_validate(await service.revoke(session, caller, key_id, body.reason, now))


@router.get("/access/{entry_id}/records", response_model=KeyedRecords)
async def keyed_records(
    entry_id: uuid.UUID,
    session: SessionDep,
    caller: PortalUser,
    x_open_data_key: DataKeyHeader = None,
    after: Annotated[str | None, Query(max_length=2000, description="The cursor answered as `next`.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> KeyedRecords:
    """A page of a conditional open dataset's records, with only the items approved, for the account holding a live
    data key for it (X-Open-Data-Key, checked on every call, A24.3)."""
    return await service.keyed_records(session, caller, entry_id, x_open_data_key, after, limit)
