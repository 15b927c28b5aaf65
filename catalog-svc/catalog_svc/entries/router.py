"""HTTP for catalogue entries and the unified catalogue: parse, call the service, shape the response."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from catalog_svc.entries import service
from catalog_svc.entries.schemas import (
    CatalogueItem,
    CatalogueQuery,
    EntryCreate,
    EntryElements,
    EntryOut,
    Page,
    ReturnIn,
    VersionDiff,
    VersionOut,
)
from catalog_svc.regions.schemas import REGION_CODE_PATTERN
from hub.contracts.vocabulary import Category, EntryState, OpenType, ShareType, UpdateCycle
from hub.db import SessionDep
from hub.dependencies import TodayDep
from hub.internal_token import Caller, CallerDep
from hub.roles import Role, require_roles

router = APIRouter(tags=["entries"])
Agency = Annotated[Caller, Depends(require_roles(Role.agency_system))]
Reviewer = Annotated[Caller, Depends(require_roles(Role.reviewer))]
# Version numbers live in an integer column: anything past it is a 422, never a database error.
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="A version number of the entry")]


def _entry_out(entry: object, version: object) -> EntryOut:
    out = EntryOut.model_validate(entry)
    out.current = VersionOut.model_validate(version)
    return out


@router.post("/entries", status_code=status.HTTP_201_CREATED, response_model=EntryOut)
async def create_entry(body: EntryCreate, session: SessionDep, caller: Agency) -> EntryOut:
    """Start an entry of the agency's own catalogue, as a draft (A14.1)."""
    return _entry_out(*await service.create_entry(session, caller, body))


@router.get("/entries/{entry_id}", response_model=EntryOut)
async def get_entry(entry_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> EntryOut:
    """The entry as the caller may see it: others see only its published version (A14.1)."""
    return _entry_out(*await service.visible_entry(session, caller, entry_id))


@router.put("/entries/{entry_id}/draft", response_model=VersionOut)
async def edit_draft(entry_id: uuid.UUID, body: EntryElements, session: SessionDep, caller: Agency) -> VersionOut:
    """Edit the draft; on a published entry this starts its next version."""
    return VersionOut.model_validate(await service.edit_draft(session, caller, entry_id, body))


@router.post("/entries/{entry_id}/submit", response_model=VersionOut)
async def submit(entry_id: uuid.UUID, session: SessionDep, caller: Agency, today: TodayDep) -> VersionOut:
    """Send the draft for review; refused, naming every broken rule, while one is (A13.1, A19.2, A22.1, A38.1…)."""
    return VersionOut.model_validate(await service.submit(session, caller, entry_id, today))


@router.post("/entries/{entry_id}/approve", response_model=VersionOut)
async def approve(entry_id: uuid.UUID, session: SessionDep, caller: Reviewer) -> VersionOut:
    """Publish the submitted version into the unified catalogue (A14.1)."""
    return VersionOut.model_validate(await service.approve(session, caller, entry_id))


@router.post("/entries/{entry_id}/return", response_model=VersionOut)
async def return_entry(entry_id: uuid.UUID, body: ReturnIn, session: SessionDep, caller: Reviewer) -> VersionOut:
    """Return the submitted version to its agency with reasons (A14.1)."""
    return VersionOut.model_validate(await service.return_version(session, caller, entry_id, body.reasons))


@router.post("/entries/{entry_id}/retire", response_model=EntryOut)
async def retire(
    entry_id: uuid.UUID,
    session: SessionDep,
    caller: Annotated[Caller, Depends(require_roles(Role.agency_system, Role.administrator))],
) -> EntryOut:
    """Take the entry out of the catalogue."""
    entry = await service.retire(session, caller, entry_id)
    return EntryOut.model_validate(entry)


@router.get("/entries/{entry_id}/versions", response_model=list[VersionOut])
async def list_versions(entry_id: uuid.UUID, session: SessionDep, caller: CallerDep) -> list[VersionOut]:
    """Every version the caller may see; none is ever deleted (A14.1)."""
    return [VersionOut.model_validate(v) for v in await service.visible_versions(session, caller, entry_id)]


@router.get("/entries/{entry_id}/versions/{a}/diff/{b}", response_model=VersionDiff)
async def compare(
    entry_id: uuid.UUID, a: VersionNumber, b: VersionNumber, session: SessionDep, caller: CallerDep
) -> VersionDiff:
    """What changed between two versions."""
    changes = await service.compare_versions(session, caller, entry_id, a, b)
    return VersionDiff(entry_id=entry_id, from_version=a, to_version=b, changes=changes)


@router.get("/catalogue", response_model=Page)
async def catalogue(
    session: SessionDep,
    caller: CallerDep,
    q: Annotated[str, Query(max_length=100, description="Words to find in names, summaries, item labels")] = "",
    region: Annotated[
        str | None, Query(pattern=REGION_CODE_PATTERN, description="A region; its districts are included")
    ] = None,
    agency_id: uuid.UUID | None = None,
    category: Category | None = None,
    share_type: ShareType | None = None,
    open_type: OpenType | None = None,
    update_cycle: UpdateCycle | None = None,
    state: Annotated[
        EntryState | None, Query(description="Latest versions in this state instead of the catalogue")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Page:
    """The unified catalogue: the published version of every entry, districts rolled up into their city."""
    query = CatalogueQuery(
        regions=None, text=q, provider_agency_id=agency_id, category=category, share_type=share_type,
        open_type=open_type, update_cycle=update_cycle, state=state, limit=limit, offset=offset,
    )  # fmt: skip
    total, exact, rows = await service.catalogue(session, caller, query, region)
    items = [CatalogueItem.model_validate(r) for r in rows]
    return Page(total=total, total_exact=exact, limit=limit, offset=offset, items=items)
