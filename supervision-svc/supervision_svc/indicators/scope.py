"""Whose figures a caller reads, as a pure function (A4.1, A15.2).

Bureau operators (reviewers, administrators, inspectors) read their region and every region within it, by the one
region rule (hub.regions): by default their own region, or one named within it, or one agency of it. An agency's
people (its officers and administrators) read their own agency's figures only, and no region's. A region no agency
of the hub lies in (another city's, say) and an agency the registry does not hold are bad input, named as such.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from hub.errors import Forbidden, InvalidInput
from hub.internal_token import Caller
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES


@dataclass(frozen=True)
class Scope:
    """The figures shown: the agencies and regions within `region_code` (None: no region's), or the one agency."""

    region_code: str | None
    agency_id: uuid.UUID | None

    def shows_agency(self, agency_region: str, agency_id: uuid.UUID) -> bool:
        if self.agency_id is not None:
            return agency_id == self.agency_id
        return self.region_code is not None and region_contains(self.region_code, agency_region)

    def shows_region(self, region_code: str) -> bool:
        shown = self.region_code is not None and self.agency_id is None
        return shown and region_contains(self.region_code or "", region_code)


def is_operator(caller: Caller) -> bool:
    """Whether the caller is a bureau operator, who acts in a region (A4.1)."""
    return not {str(role) for role in OPERATOR_ROLES}.isdisjoint(caller.roles)


def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"Invalid value for: query.{field}", errors=[{"field": f"query.{field}", "message": message}])


def scope_of(
    caller: Caller,
    region_code: str | None,
    agency_id: uuid.UUID | None,
    agencies: Mapping[uuid.UUID, str],
    regions: Collection[str],
) -> Scope:
    """The caller's scope for the region and agency asked, among the period's agencies (id → region) and the regions
    its figures hold; 422 naming the field for a region or agency the hub does not know, 403 outside the scope."""
    if not is_operator(caller):
        own = uuid.UUID(caller.agency_id) if caller.agency_id else None
        if own is None or region_code is not None or agency_id not in (None, own):
            raise Forbidden("An agency reads its own agency's indicators only.", requirement="A15.2")
        return Scope(None, own)
    home = caller.region_code or ""
    if region_code is not None:
        if not any(region_contains(region_code, known) for known in regions):
            raise _bad("region", f"no agency of the hub lies in region {region_code}")
        if not region_contains(home, region_code):
            raise Forbidden(f"Region {region_code} is outside {home}.", requirement="A4.1")
    scope_region = region_code or home
    if agency_id is not None:
        if agency_id not in agencies:
            raise _bad("agency", f"{agency_id} is not an agency of the registry")
        if not region_contains(home, agencies[agency_id]):
            raise Forbidden(f"Agency {agency_id} is outside {home}.", requirement="A4.1")
        if not region_contains(scope_region, agencies[agency_id]):
            raise _bad("agency", f"{agency_id} is not in region {scope_region}")
    return Scope(scope_region, agency_id)
