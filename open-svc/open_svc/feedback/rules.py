"""The rules of error reports and objections (A26.1) as pure functions: who may report on which data, who reads
and answers a report, and the anonymous reporter's token."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Collection, Sequence
from enum import StrEnum

from hub.contracts.vocabulary import Secrecy, ShareType
from hub.internal_token import Caller
from hub.published_catalogue.openness import is_open
from hub.published_catalogue.tables import PublishedEntryMixin
from hub.regions import region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency
from hub.violations import Violation

_TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{32}$")
# Who reports for an agency, on data shared with it: its systems and its officers.
AGENCY_REPORTERS = (Role.agency_system, Role.agency_officer)


class ReporterKind(StrEnum):
    anonymous = "anonymous"
    portal_user = "portal_user"
    agency = "agency"


def reporter_kind(caller: Caller) -> ReporterKind:
    """Who the caller reports as: an agency (system or officer), a portal account, or nobody known."""
    if caller.agency_id is not None and not {str(r) for r in AGENCY_REPORTERS}.isdisjoint(caller.roles):
        return ReporterKind.agency
    return ReporterKind.portal_user if Role.portal_user in caller.roles else ReporterKind.anonymous


def may_report_on(kind: ReporterKind, entry: PublishedEntryMixin) -> bool:
    """The public reports on open datasets; an agency also on the data shared between agencies (A26.1)."""
    if is_open(entry):
        return True
    shared = entry.share_type != ShareType.not_shared and entry.secrecy != Secrecy.secret
    return kind == ReporterKind.agency and shared and not entry.retired


def item_violations(items: Sequence[str], allowed: Collection[str]) -> list[Violation]:
    """The items a report points at must be items of the dataset."""
    unknown = [name for name in dict.fromkeys(items) if name not in allowed]
    return [Violation("items", f"not items of the dataset: {', '.join(unknown)}", "A26.1")] if unknown else []


def new_token() -> tuple[str, str]:
    """An anonymous reporter's token and its digest (kept): 192 random bits."""
    token = secrets.token_urlsafe(24)
    return token, token_digest(token)


def token_digest(token: str) -> str:
    """The stored form of a reporter token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(presented: str | None, digest: str | None) -> bool:
    """Whether a presented token is the report's (compared in constant time)."""
    if not presented or digest is None or not _TOKEN_SHAPE.match(presented):
        return False
    return secrets.compare_digest(token_digest(presented), digest)


def answers_for(caller: Caller, agency_id: object) -> bool:
    """Whether the caller is an officer of the responsible agency, who answers its reports (A26.1)."""
    return acts_for_agency(caller, agency_id, Role.agency_officer)


def is_operator(caller: Caller) -> bool:
    """Whether the caller is a bureau operator, who acts within a region (A4.1)."""
    return not {str(role) for role in OPERATOR_ROLES}.isdisjoint(caller.roles)


def bureau_holds(caller: Caller, region_code: str) -> bool:
    """Whether the caller is an operator of the bureau whose region holds the data's (A4.1)."""
    return is_operator(caller) and caller.region_code is not None and region_contains(caller.region_code, region_code)


def is_reporter(caller: Caller, reporter: str | None, reporter_agency_id: object) -> bool:
    """The reporting account, or (for an agency's report) any system or officer of that agency."""
    if reporter_agency_id is not None:
        return acts_for_agency(caller, reporter_agency_id, *AGENCY_REPORTERS)
    return reporter is not None and Role.portal_user in caller.roles and caller.subject == reporter
