"""Which roles each kind of client may hold, and who may administer whom, as pure functions."""

from __future__ import annotations

from hub.regions import is_city, region_contains
from hub.roles import OPERATOR_ROLES, Role

ROLES_BY_KIND: dict[str, frozenset[Role]] = {
    "agency_system": frozenset({Role.agency_system}),
    "ingest_job": frozenset({Role.ingest_job}),
    "operator": OPERATOR_ROLES,
    "portal_user": frozenset({Role.portal_user}),
}


def client_problems(kind: str, roles: list[str], agency_id: object, region_code: str | None) -> list[dict[str, str]]:
    """What is wrong with a client's kind, roles, agency and region, as problem+json `errors` entries."""
    problems: list[dict[str, str]] = []
    allowed = ROLES_BY_KIND.get(kind)
    if allowed is None:
        return [{"field": "kind", "message": f"unknown kind {kind!r}; one of {', '.join(ROLES_BY_KIND)}"}]
    if not roles:
        problems.append({"field": "roles", "message": "at least one role"})
    wrong = sorted(set(roles) - set(allowed))
    if wrong:
        problems.append({"field": "roles", "message": f"a {kind} cannot hold {', '.join(wrong)}"})
    if kind in ("agency_system", "ingest_job") and agency_id is None:
        problems.append({"field": "agency_id", "message": f"a {kind} acts for one agency (A15.2)"})
    if kind in ("agency_system", "ingest_job", "operator") and not region_code:
        problems.append({"field": "region_code", "message": f"a {kind} belongs to a region (A4.1)"})
    return problems


def may_administer(admin_region: str | None, client_region: str | None) -> bool:
    """A bureau administrator manages clients of its own region and the regions inside it (A4.1); clients of no
    region (the open portal's users) belong to the city."""
    if admin_region is None:
        return False
    if client_region is None:
        return is_city(admin_region)
    return region_contains(admin_region, client_region)
