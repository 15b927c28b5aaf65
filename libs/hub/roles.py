"""The roles a caller can hold, shared by the gateway's policy and the services that re-check it."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from enum import StrEnum
from typing import Any

from fastapi import Depends

from hub.errors import Forbidden
from hub.internal_token import Caller, require_caller


class Role(StrEnum):
    """Who a caller is to the hub. Operator roles (reviewer, administrator, inspector) hold in one region (A4.1);
    agency roles (systems, jobs, the agency's people) act for one agency only (A15.2)."""

    anonymous = "anonymous"  # anyone on the open portal (A24.1)
    portal_user = "portal_user"  # a registered citizen or company on the open portal
    agency_system = "agency_system"  # an agency's system (公共管理服务机构) exchanging data
    ingest_job = "ingest_job"  # a data-centre ingest job of an agency (A17.1)
    # A person of an agency who reviews and answers for it: share applications to it as provider (A20.2), open
    # applications to it as collector (A24.2), error reports on its data (A26.1); reads its own agency's data.
    agency_officer = "agency_officer"
    # A person of an agency who manages that agency's own systems, ingest jobs and people, and nothing else (A15.2).
    agency_admin = "agency_admin"
    reviewer = "reviewer"  # bureau operator reviewing catalogues and applications (A14.1, A20.2)
    administrator = "administrator"  # bureau operator administering the hub in its region
    inspector = "inspector"  # read-only inspection and audit export (A34.1)


OPERATOR_ROLES = frozenset({Role.reviewer, Role.administrator, Role.inspector})
AGENCY_PEOPLE_ROLES = frozenset({Role.agency_officer, Role.agency_admin})
# Every role held for one agency: a caller holding one carries that agency's id and acts for it alone (A15.2).
AGENCY_ROLES = frozenset({Role.agency_system, Role.ingest_job}) | AGENCY_PEOPLE_ROLES


def acts_for_agency(caller: Caller, agency_id: object, *roles: Role) -> bool:
    """Whether the caller holds one of `roles` for that very agency (A15.2): an agency's role never reaches
    another agency's data."""
    held = {str(r) for r in roles}.intersection(caller.roles)
    return bool(held) and caller.agency_id is not None and caller.agency_id == str(agency_id)


def require_roles(*roles: Role) -> Callable[..., Coroutine[Any, Any, Caller]]:
    """A dependency re-checking, inside a service, that the gateway's caller holds one of the roles."""
    allowed = {str(r) for r in roles}

    async def check(caller: Caller = Depends(require_caller)) -> Caller:  # noqa: B008 - FastAPI's idiom
        if not allowed.intersection(caller.roles):
            raise Forbidden(f"This action needs one of the roles: {', '.join(sorted(allowed))}.")
        return caller

    return check
