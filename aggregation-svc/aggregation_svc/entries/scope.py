"""Which entries a caller sees in the centre: an agency its own (A15.2), a bureau operator those of its region, a
city's including its districts' (A4.1).

One entry: `may_see_entry` is the rule every per-entry route applies (its items, batches, records, history,
quality), and `require_entry_scope` the refusal that names the rule broken. Which regions lie in an operator's is
decided by `hub.regions.region_contains`, the one region rule of the mesh, never re-written here.

Views over many entries filter in SQL: `IN_SCOPE` (or `REGION_IN_SCOPE` alone) is a condition on the published
entries aliased `e`, bound with `scope_params`, whose regions are those the read model's entries are in that the
one rule puts within the operator's (a few dozen in a city).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries.models import PublishedEntry
from aggregation_svc.entries.service import published_entries
from hub.errors import Forbidden
from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency

REGION_IN_SCOPE = "(NOT :scope_by_region OR e.region_code = ANY(:scope_regions))"
IN_SCOPE = f"(CAST(:scope_agency AS uuid) IS NULL OR e.provider_agency_id = :scope_agency) AND {REGION_IN_SCOPE}"
# The clients that act for an agency in the centre: its systems and its ingest jobs.
AGENCY_CLIENTS = frozenset({Role.agency_system, Role.ingest_job})


def is_operator(caller: Caller) -> bool:
    """Whether the caller acts for a bureau (reviewer, administrator, inspector)."""
    return bool(OPERATOR_ROLES.intersection(caller.roles))


def is_responsible_agency(caller: Caller, entry_agency: uuid.UUID) -> bool:
    """Whether the caller is a system or job of the agency responsible for an entry (A15.2)."""
    return bool(AGENCY_CLIENTS.intersection(caller.roles)) and caller.agency_id == str(entry_agency)


def is_operator_of(caller: Caller, region_code: str) -> bool:
    """Whether the caller is a bureau operator of a region holding `region_code` (A4.1)."""
    return is_operator(caller) and bool(caller.region_code) and region_contains(str(caller.region_code), region_code)


def may_see_entry(caller: Caller, entry_region: str, entry_agency: uuid.UUID) -> bool:
    """Whether the caller sees what the centre holds of one entry: a system or an officer of its responsible
    agency (A15.2; officers answer for the agency's data, A26.1), or a bureau operator of the entry's region or of
    a region it lies within (A4.1). Nobody else: other agencies obtain an entry's data through a grant of the
    sharing platform (A21.1)."""
    return (
        is_responsible_agency(caller, entry_agency)
        or acts_for_agency(caller, entry_agency, Role.agency_officer)
        or is_operator_of(caller, entry_region)
    )


def require_entry_scope(caller: Caller, entry_region: str, entry_agency: uuid.UUID, otherwise: Forbidden) -> None:
    """Refuse a caller who may not see the entry: an operator outside its region with A4.1, anyone else with
    `otherwise` (the rule the route keeps to agencies, e.g. A15.2 or A21.1)."""
    if may_see_entry(caller, entry_region, entry_agency):
        return
    if is_operator(caller):
        raise Forbidden(f"The entry is in region {entry_region}, outside region {caller.region_code}.",
                        requirement="A4.1")  # fmt: skip
    raise otherwise


def require_responsible_agency(caller: Caller, entry: PublishedEntry) -> None:
    """Only the entry's responsible agency pushes or corrects its data (A15.2)."""
    if not is_responsible_agency(caller, entry.provider_agency_id):
        raise Forbidden(
            f"Only the responsible agency of entry {entry.code} may push or correct its data.", requirement="A15.2"
        )


def require_reader(caller: Caller, entry: PublishedEntry) -> None:
    """Who reads an entry's records directly: its responsible agency, and bureau operators of its region (A4.1).

    Every other agency obtains them through a grant of the sharing platform, delivered by the gateway (A21.1).
    """
    refusal = Forbidden(
        f"Entry {entry.code}'s records go to other agencies only through a grant of the sharing platform.",
        requirement="A21.1",
    )
    require_entry_scope(caller, entry.region_code, entry.provider_agency_id, refusal)


def require_viewer(caller: Caller, entry: PublishedEntry) -> None:
    """Who sees what the centre holds of an entry (its items, whether it accepts data): its responsible agency,
    which pushes its data (A15.2), and bureau operators of its region (A4.1). The published catalogue itself is
    catalog-svc's to show."""
    refusal = Forbidden(
        f"Only the responsible agency of entry {entry.code} and the bureau of its region see it in the centre.",
        requirement="A15.2",
    )
    require_entry_scope(caller, entry.region_code, entry.provider_agency_id, refusal)


@dataclass(frozen=True)
class EntryScope:
    """Entries of one agency, of one region (and the regions within it), both, or (neither set) every entry."""

    agency_id: uuid.UUID | None = None
    region_code: str | None = None


def scope_of(caller: Caller) -> EntryScope:
    """The entries the caller sees: an operator's region (A4.1), an agency system's own entries (A15.2)."""
    if is_operator(caller):
        if not caller.region_code:
            raise Forbidden("An operator acts within its region, and this one has none.", requirement="A4.1")
        return EntryScope(region_code=caller.region_code)
    if AGENCY_CLIENTS.intersection(caller.roles) and caller.agency_id:
        return EntryScope(agency_id=uuid.UUID(caller.agency_id))
    raise Forbidden("Only agencies and bureau operators see the centre's entries.", requirement="A15.2")


async def scope_params(session: AsyncSession, scope: EntryScope) -> dict[str, Any]:
    """The parameters of `IN_SCOPE` for the scope."""
    regions: list[str] = []
    if scope.region_code is not None:
        regions = await published_entries.regions_within(session, scope.region_code)
    return {"scope_agency": scope.agency_id, "scope_by_region": scope.region_code is not None, "scope_regions": regions}
