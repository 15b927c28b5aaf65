"""The rules of share applications and their reviews, as pure functions: what may be applied for and by whom
(A15.2, A19.2, A20.1, A38.1), what an application must state (A21.1), how a review decides (A20.2, A29.1), who
sees and reviews what (A4.1, A20.2), and what a new catalogue version does to open applications.

The service calls them and turns what they find into one problem+json answer; the tests call them alone.
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import Secrecy, ShareType
from hub.internal_token import Caller
from hub.published_catalogue import PublishedVersion
from hub.regions import level_of, region_contains
from hub.roles import OPERATOR_ROLES, Role, acts_for_agency
from hub.violations import Violation
from share_svc.applications.lifecycle import ApplicationAction

# A purpose is compared as stated on every pull (hub.purposes), so it is one line of text: no control characters.
MAX_PURPOSE_CHARS = 200


class Decision(StrEnum):
    """What a reviewing party decides (A20.2)."""

    approve = "approve"
    refuse = "refuse"


class Party(StrEnum):
    """Who reviews a conditional application (A20.2): the provider agency's officer and the bureau's reviewer."""

    provider = "provider"
    bureau = "bureau"


class Side(StrEnum):
    """Which side of an application or grant an agency is on."""

    consumer = "consumer"
    provider = "provider"


# --- applying (A15.2, A19.2, A20.1, A21.1, A38.1) -------------------------------------------------------------


def sharing_refusal(entry: PublishedVersion) -> Violation | None:
    """Why the entry cannot be applied for at all, quoting its legal basis: secret-classified data is never shared
    (A38.1), and not-shared data only on the legal basis the catalogue states (A19.2). None when it may be."""
    basis = entry.share_legal_basis or "(the catalogue states none)"
    if entry.secrecy == Secrecy.secret:
        return Violation(
            "entry_id", f"entry {entry.code} is classified secret and is never shared; legal basis: {basis}", "A38.1"
        )
    if entry.share_type == ShareType.not_shared:
        return Violation("entry_id", f"entry {entry.code} is not shared; legal basis: {basis}", "A19.2")
    return None


def application_action(share_type: ShareType) -> ApplicationAction:
    """The first step of an application: granted at once for unconditional data (A20.1), reviewed for conditional
    data (A20.2). Not-shared data has no application (`sharing_refusal` refuses it first)."""
    if share_type == ShareType.unconditional:
        return ApplicationAction.apply_unconditional
    if share_type == ShareType.conditional:
        return ApplicationAction.apply_conditional
    raise ValueError(f"an entry shared as {share_type} takes no application")


def own_data_violation(consumer_agency_id: uuid.UUID, provider_agency_id: uuid.UUID) -> Violation | None:
    """An agency reads its own entries' data directly, as their responsible agency (A15.2): it applies to none."""
    if consumer_agency_id == provider_agency_id:
        return Violation(
            "entry_id", "the entry is your own agency's: it reads its data directly, without a grant", "A15.2"
        )
    return None


def item_violations(requested: Sequence[str], declared: Sequence[DataItemSpec]) -> list[Violation]:
    """Items applied for must be items of the entry's published version, each named once (A21.1: a grant binds
    the items it names, and only those)."""
    names = {item.name for item in declared}
    found = []
    unknown = [name for name in dict.fromkeys(requested) if name not in names]
    if unknown:
        found.append(Violation("items", f"not items of the entry: {', '.join(unknown)}", "A21.1"))
    repeated = [name for name in dict.fromkeys(requested) if requested.count(name) > 1]
    if repeated:
        found.append(Violation("items", f"named more than once: {', '.join(repeated)}", "A21.1"))
    return found


def period_violations(valid_from: datetime, valid_until: datetime, now: datetime, max_days: int) -> list[Violation]:
    """A grant runs for a stated period (A21.1): it ends after it starts, in the future, and within `max_days`."""
    found = []
    if valid_until <= valid_from:
        found.append(Violation("valid_until", "the period ends before it starts", "A21.1"))
    elif valid_until - valid_from > timedelta(days=max_days):
        found.append(Violation("valid_until", f"a grant runs at most {max_days} days", "A21.1"))
    if valid_until <= now:
        found.append(Violation("valid_until", "the period is already over", "A21.1"))
    return found


def text_problem(text: str) -> str | None:
    """What is wrong with a line of text stated in an application (its purpose): blank, or holding control
    characters (a purpose is compared as stated on every pull, A21.1). None when it is fine."""
    if not text.strip():
        return "must not be blank"
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        return "must not contain control characters (line breaks, tabs …)"
    return None


# --- reviewing (A20.2, A29.1) ---------------------------------------------------------------------------------


def decision_violations(decision: Decision, reasons: Sequence[str]) -> list[Violation]:
    """A refusal states its reasons (A20.2): at least one that is not blank."""
    if decision == Decision.refuse and not any(reason.strip() for reason in reasons):
        return [Violation("reasons", "a refusal states at least one reason", "A20.2")]
    return []


_REVIEW_ACTIONS = {
    (Party.provider, Decision.approve): ApplicationAction.provider_approve,
    (Party.provider, Decision.refuse): ApplicationAction.provider_refuse,
    (Party.bureau, Decision.approve): ApplicationAction.bureau_approve,
    (Party.bureau, Decision.refuse): ApplicationAction.bureau_refuse,
}


def review_action(party: Party, decision: Decision) -> ApplicationAction:
    """The lifecycle action of one party's decision."""
    return _REVIEW_ACTIONS[(party, decision)]


def review_working_days(region_code: str, default: int, by_region: Mapping[str, int]) -> int:
    """The working days a party has to review an application for an entry of `region_code` (A20.2): the setting
    of the most specific region holding it (a district's before its city's), else the default."""
    holding = [code for code in by_region if region_contains(code, region_code)]
    if not holding:
        return default
    return by_region[max(holding, key=lambda code: level_of(code) or 0)]


# --- who does what (A4.1, A15.2, A20.2) -----------------------------------------------------------------------


def is_operator(caller: Caller) -> bool:
    """Whether the caller acts for a bureau (reviewer, administrator, inspector)."""
    return bool(OPERATOR_ROLES.intersection(caller.roles))


def is_operator_of(caller: Caller, region_code: str) -> bool:
    """A bureau operator of the region or of a region holding it (A4.1)."""
    return is_operator(caller) and bool(caller.region_code) and region_contains(str(caller.region_code), region_code)


def applicant_agency(caller: Caller) -> uuid.UUID | None:
    """The agency an application is made for: the caller's own, when it applies as that agency's system or
    officer (A15.2); None for anyone else."""
    if caller.agency_id and {Role.agency_system, Role.agency_officer}.intersection(caller.roles):
        return uuid.UUID(caller.agency_id)
    return None


def is_consumer(caller: Caller, consumer_agency_id: uuid.UUID) -> bool:
    """The consumer agency's system or officer."""
    return acts_for_agency(caller, consumer_agency_id, Role.agency_system, Role.agency_officer)


def is_provider_officer(caller: Caller, provider_agency_id: uuid.UUID) -> bool:
    """An officer of the provider agency: who reviews and answers for it (A20.2)."""
    return acts_for_agency(caller, provider_agency_id, Role.agency_officer)


def may_read(caller: Caller, consumer_agency_id: uuid.UUID, provider_agency_id: uuid.UUID, region_code: str) -> bool:
    """Who sees an application or a grant: the consumer agency (its systems and officers), the provider agency's
    officers, and the bureau's operators of the entry's region (A4.1). Nobody else learns it exists."""
    return (
        is_consumer(caller, consumer_agency_id)
        or is_provider_officer(caller, provider_agency_id)
        or is_operator_of(caller, region_code)
    )


def may_review(caller: Caller, party: Party, provider_agency_id: uuid.UUID, region_code: str) -> Violation | None:
    """Why the caller may not decide as `party` (A20.2; A4.1 for a bureau outside the region), or None."""
    if party == Party.provider:
        if is_provider_officer(caller, provider_agency_id):
            return None
        return Violation("party", "only an officer of the provider agency reviews for the provider", "A20.2")
    if Role.reviewer in caller.roles and is_operator_of(caller, region_code):
        return None
    if Role.reviewer in caller.roles:
        return Violation("party", f"the application is in region {region_code}, outside yours", "A4.1")
    return Violation("party", "only a reviewer of the bureau reviews for the bureau", "A20.2")


@dataclass(frozen=True)
class ListingScope:
    """What a listing may show: applications (or grants) of the operator's region and the regions within it
    (A4.1), or those of one agency as consumer and, for its officers, as provider. Nothing when none is set."""

    region_code: str | None = None
    consumer_agency_id: uuid.UUID | None = None
    provider_agency_id: uuid.UUID | None = None

    @property
    def empty(self) -> bool:
        return self.region_code is None and self.consumer_agency_id is None and self.provider_agency_id is None


def listing_scope(caller: Caller, side: Side | None = None) -> ListingScope:
    """The caller's scope, narrowed to one side if asked (agencies only: an operator sees both sides)."""
    if is_operator(caller):
        return ListingScope(region_code=caller.region_code) if caller.region_code else ListingScope()
    agency = applicant_agency(caller)
    if agency is None:
        return ListingScope()
    consumer = agency if side in (None, Side.consumer) else None
    provider = agency if side in (None, Side.provider) and Role.agency_officer in caller.roles else None
    return ListingScope(consumer_agency_id=consumer, provider_agency_id=provider)


# --- what a new catalogue version does (A19.2, A20.1, A38.1) --------------------------------------------------


def sharing_withdrawn(entry: PublishedVersion) -> str | None:
    """Why nothing may be shared under the entry's held version any more, or None: it was retired, classified
    secret (A38.1) or made not shared (A19.2). Open applications end and live grants are revoked."""
    if entry.retired:
        return f"entry {entry.code} was retired from the catalogue"
    if entry.secrecy == Secrecy.secret:
        return f"entry {entry.code} is classified secret from version {entry.version} (A38.1)"
    if entry.share_type == ShareType.not_shared:
        return f"entry {entry.code} is not shared from version {entry.version} (A19.2)"
    return None


def remaining_items(items: Sequence[str], declared: Collection[DataItemSpec]) -> list[str]:
    """The items of an application or grant the entry still declares, in their order."""
    names = {item.name for item in declared}
    return [name for name in items if name in names]
