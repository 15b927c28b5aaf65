"""HTTP for the catalogue read model."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from aggregation_svc.entries import scope, service
from aggregation_svc.entries.schemas import KnownEntryOut
from hub.db import SessionDep
from hub.internal_token import Caller
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["entries"])
Viewing = Annotated[
    Caller, Depends(require_roles(Role.agency_system, Role.ingest_job, Role.agency_officer, *OPERATOR_ROLES))
]


@router.get("/entries/{entry_id}", response_model=KnownEntryOut)
async def get_known_entry(entry_id: uuid.UUID, session: SessionDep, caller: Viewing) -> KnownEntryOut:
    """The published entry as the centre knows it: its version, its items, whether it accepts data (A15.1).

    For its responsible agency (A15.2) and the bureau of its region (A4.1).
    """
    entry = await service.entry_or_404(session, entry_id)
    scope.require_viewer(caller, entry.row)
    row = entry.row
    return KnownEntryOut(
        entry_id=row.entry_id, code=row.code, version=row.version, region_code=row.region_code,
        provider_agency_id=row.provider_agency_id, name=row.name, consent_required=row.consent_required,
        published_at=row.published_at, retired_at=row.retired_at, accepting=entry.accepting, items=list(entry.items),
    )  # fmt: skip
