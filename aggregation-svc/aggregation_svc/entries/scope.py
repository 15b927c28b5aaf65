"""Which entries a caller sees in the centre's views over many entries: an agency its own (A15.2), a bureau operator
those of its region, a city's including its districts' (A4.1).

Views filter in SQL: `IN_SCOPE` (or `REGION_IN_SCOPE` alone) is a condition on the published entries aliased `e`,
bound with `scope_params`. Which regions lie in an operator's is decided by `hub.regions.region_contains`, the one
region rule of the mesh, over the regions the centre's entries are in (a few dozen in a city), never re-written
in SQL.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries import repository
from hub.errors import Forbidden
from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role

REGION_IN_SCOPE = "(NOT :scope_by_region OR e.region_code = ANY(:scope_regions))"
IN_SCOPE = f"(CAST(:scope_agency AS uuid) IS NULL OR e.provider_agency_id = :scope_agency) AND {REGION_IN_SCOPE}"


@dataclass(frozen=True)
class EntryScope:
    """Entries of one agency, of one region (and the regions within it), both, or (neither set) every entry."""

    agency_id: uuid.UUID | None = None
    region_code: str | None = None


def scope_of(caller: Caller) -> EntryScope:
    """The entries the caller sees: an operator's region (A4.1), an agency system's own entries (A15.2)."""
    if OPERATOR_ROLES.intersection(caller.roles):
        if not caller.region_code:
            raise Forbidden("An operator acts within its region, and this one has none.", requirement="A4.1")
        return EntryScope(region_code=caller.region_code)
    if {Role.agency_system, Role.ingest_job}.intersection(caller.roles) and caller.agency_id:
        return EntryScope(agency_id=uuid.UUID(caller.agency_id))
    raise Forbidden("Only agencies and bureau operators see the centre's entries.", requirement="A15.2")


async def scope_params(session: AsyncSession, scope: EntryScope) -> dict[str, Any]:
    """The parameters of `IN_SCOPE` for the scope."""
    regions: list[str] = []
    if scope.region_code is not None:
        outer = scope.region_code
        regions = [code for code in await repository.entry_regions(session) if region_contains(outer, code)]
    return {"scope_agency": scope.agency_id, "scope_by_region": scope.region_code is not None, "scope_regions": regions}
