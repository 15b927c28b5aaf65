"""HTTP for the catalogue read model."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from aggregation_svc.entries import service
from aggregation_svc.entries.schemas import KnownEntryOut
from hub.db import SessionDep
from hub.roles import OPERATOR_ROLES, Role, require_roles

router = APIRouter(tags=["entries"])


@router.get(
    "/entries/{entry_id}",
    response_model=KnownEntryOut,
    dependencies=[Depends(require_roles(Role.agency_system, Role.ingest_job, *OPERATOR_ROLES))],
)
async def get_known_entry(entry_id: uuid.UUID, session: SessionDep) -> KnownEntryOut:
    """The published entry as the centre knows it: its version, its items, whether it accepts data (A15.1)."""
    entry = await service.entry_or_404(session, entry_id)
    row = entry.row
    return KnownEntryOut(
        entry_id=row.entry_id, code=row.code, version=row.version, region_code=row.region_code,
        provider_agency_id=row.provider_agency_id, name=row.name, consent_required=row.consent_required,
        published_at=row.published_at, retired_at=row.retired_at, accepting=entry.accepting, items=list(entry.items),
    )  # fmt: skip
