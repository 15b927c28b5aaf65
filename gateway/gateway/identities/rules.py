"""Which roles each kind of client may hold, what it may be bound to, and who may administer whom, as pure
functions."""

from __future__ import annotations

from collections.abc import Collection

from hub.regions import is_city, region_contains
from hub.roles import AGENCY_PEOPLE_ROLES, AGENCY_ROLES, OPERATOR_ROLES, Role

ROLES_BY_KIND: dict[str, frozenset[Role]] = {
    "agency_system": frozenset({Role.agency_system}),
    "ingest_job": frozenset({Role.ingest_job}),
    "agency_person": AGENCY_PEOPLE_ROLES,
    "operator": OPERATOR_ROLES,
    "portal_user": frozenset({Role.portal_user}),
}
# Kinds that act for one agency, always bound to it (A15.2).
AGENCY_KINDS = frozenset({"agency_system", "ingest_job", "agency_person"})
# People sign in with a password they chose; systems and jobs with a secret the gateway generates.
PASSWORD_KINDS = frozenset({"operator", "agency_person"})
# What an agency's administrator may grant, for its own agency only: every agency role, its own included, but never
# a bureau operator's role nor the open portal's (A4.1, A15.2).
AGENCY_ADMIN_GRANTS = AGENCY_ROLES


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
    if kind in AGENCY_KINDS and agency_id is None:
        problems.append({"field": "agency_id", "message": f"a {kind} acts for one agency (A15.2)"})
    if kind == "operator" and agency_id is not None:
        problems.append({"field": "agency_id", "message": "an operator works for its region's bureau, not an agency"})
    if kind == "operator" and not region_code:
        problems.append({"field": "region_code", "message": f"a {kind} belongs to a region (A4.1)"})
    return problems


def grant_refusal(
    actor_roles: Collection[str], actor_agency: str | None, kind: str, roles: Collection[str], agency_id: object
) -> str | None:
    """Why the actor may not register a client of this kind with these roles for this agency, or None when it may.

    A bureau administrator registers any kind within its region (A4.1; the region is checked against the
    agency's). An agency's administrator registers only its own agency's systems, jobs and people, with roles no
    higher than its own, and never for another agency (A15.2). Nobody else registers anyone.
    """
    if Role.administrator in actor_roles:
        return None
    if Role.agency_admin not in actor_roles or actor_agency is None:
        return "only an administrator of the bureau or of an agency registers clients"
    if kind not in AGENCY_KINDS:
        return f"an agency's administrator cannot register clients of kind {kind}"
    beyond = sorted(set(roles) - AGENCY_ADMIN_GRANTS)
    if beyond:
        return f"an agency's administrator cannot grant {', '.join(beyond)}"
    if agency_id is None or str(agency_id) != actor_agency:
        return f"an administrator of agency {actor_agency} acts for that agency only"
    return None


def binding_problems(agency_id: object, agency_region: str | None, declared_region: str | None) -> list[dict[str, str]]:
    """What is wrong with binding a client to an agency whose region the catalogue announced (None: the agency is
    unknown). The agency must be one the catalogue registered (A2.1, A15.2), and the client belongs to the
    agency's region, whatever the request says (A4.1)."""
    if agency_region is None:
        return [{"field": "agency_id", "message": f"no agency {agency_id} is registered in the catalogue (A2.1)"}]
    if declared_region and declared_region != agency_region:
        message = f"the agency belongs to {agency_region}, not {declared_region} (A4.1)"
        return [{"field": "region_code", "message": message}]
    return []


def may_administer(admin_region: str | None, client_region: str | None) -> bool:
    """A bureau administrator manages clients of its own region and the regions inside it (A4.1); clients of no
    region (the open portal's users) belong to the city."""
    if admin_region is None:
        return False
    if client_region is None:
        return is_city(admin_region)
    return region_contains(admin_region, client_region)


def may_manage_for_agency(admin_agency: str | None, client_agency: object) -> bool:
    """An agency's administrator manages the clients bound to its own agency, and no other (A15.2): not another
    agency's, not the bureau's operators, not the portal's users (bound to none)."""
    return admin_agency is not None and client_agency is not None and str(client_agency) == admin_agency


def administers_city(region_code: str, roles: list[str]) -> bool:
    """Whether a client is an administrator of a city's bureau, whose last one must stay: without it nobody can
    administer the hub (A4.1)."""
    return "administrator" in roles and is_city(region_code)
