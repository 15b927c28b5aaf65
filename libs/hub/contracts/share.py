"""Events on `share.events`, published by share-svc: share applications, their reviews and disputes, and grants.

aggregation-svc keeps its read model of grants from `GrantIssued`, `GrantNarrowed` and `GrantRevoked` and checks
every delivery against it (A21.1); the indicator system counts decisions and overdue reviews (A32.1). Grant events
are keyed by the grant id, application and review events by the application id, dispute events by the dispute id,
so each aggregate's events arrive in order. Events carry ids, states and attributions, never the shared data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar
from uuid import UUID

from pydantic import Field

from hub.contracts.vocabulary import RiskLevel
from hub.events import Event


class ShareEvent(Event):
    topic: ClassVar[str] = "share.events"


class ApplicationStepped(ShareEvent):
    """A share application moved in its lifecycle: applied, reviewed, granted, refused, withdrawn, disputed,
    terminated (A20.1, A20.2, A20.3). `actor` is the subject who acted, or `share-svc` for the hub's own steps."""

    type: ClassVar[str] = "share.application.stepped"

    application_id: UUID
    entry_id: UUID
    consumer_agency_id: UUID
    provider_agency_id: UUID
    region_code: str
    action: str
    state_before: str | None
    state: str
    actor: str
    at: datetime
    reasons: list[str] = Field(default_factory=list)
    risk_level: RiskLevel | None = None

    def aggregate_id(self) -> str:
        return str(self.application_id)


class ReviewDeadlineEvent(ShareEvent):
    application_id: UUID
    # provider: the provider agency's officer; bureau: the bureau's reviewer of the region (A20.2).
    party: str
    agency_id: UUID
    region_code: str
    due_on: date
    provisional: bool = False

    def aggregate_id(self) -> str:
        return str(self.application_id)


class ReviewApproaching(ReviewDeadlineEvent):
    """A pending review of a conditional application is due within a few working days (A20.2)."""

    type: ClassVar[str] = "share.review.approaching"


class ReviewOverdue(ReviewDeadlineEvent):
    """A pending review passed its working-day due date without a decision (A20.2)."""

    type: ClassVar[str] = "share.review.overdue"


class DisputeStepped(ShareEvent):
    """A dispute over a refusal moved: raised, noted, decided by the bureau, escalated to the region's government,
    decided there (A20.3). `outcome` is set on a decision: upheld (the applicant is granted) or dismissed."""

    type: ClassVar[str] = "share.dispute.stepped"

    dispute_id: UUID
    application_id: UUID
    region_code: str
    action: str
    state: str
    actor: str
    at: datetime
    outcome: str | None = None

    def aggregate_id(self) -> str:
        return str(self.dispute_id)


class GrantEvent(ShareEvent):
    grant_id: UUID

    def aggregate_id(self) -> str:
        return str(self.grant_id)


class GrantIssued(GrantEvent):
    """A consumer agency may obtain these items of an entry, for this purpose, within this period, and for
    nothing else (A20.1, A20.2, A21.1). The big data centre checks every delivery against it."""

    type: ClassVar[str] = "share.grant.issued"

    application_id: UUID
    entry_id: UUID
    entry_version: int
    consumer_agency_id: UUID
    provider_agency_id: UUID
    region_code: str
    items: list[str]
    purpose: str
    valid_from: datetime
    valid_until: datetime
    issued_at: datetime


class GrantNarrowed(GrantEvent):
    """A new catalogue version removed items the grant held: it now holds only `items` (never more)."""

    type: ClassVar[str] = "share.grant.narrowed"

    entry_id: UUID
    items: list[str]
    entry_version: int
    at: datetime
    reason: str


class GrantRevoked(GrantEvent):
    """The grant ended before its period: revoked by the provider, the bureau or the consumer itself, or because
    the entry was retired or may no longer be shared. Deliveries under it are refused from then on (A21.1)."""

    type: ClassVar[str] = "share.grant.revoked"

    entry_id: UUID
    consumer_agency_id: UUID
    revoked_at: datetime
    revoked_by: str
    reason: str
