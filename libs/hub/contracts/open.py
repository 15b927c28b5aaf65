"""Events on `open.events`, published by open-svc: the open platform's changes others count or follow (open lists,
A23.1; and, appended by each part of open-svc, applications, agreements, keys and feedback, A24–A27).

Events carry ids, states, dates and attributions, never open data records (those reach open-svc on the centre's
changelog, not here). Open-list events are keyed by the agency id, so one agency's list changes arrive in order.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from hub.contracts.vocabulary import OpenType
from hub.events import Event


class OpenEvent(Event):
    topic: ClassVar[str] = "open.events"


class OpenListChanged(OpenEvent):
    """An agency's open list changed (A23.1): an entry was added to it (published open, or changed to open), removed
    from it (changed to not open, classified secret, or retired), or one of its listed attributes changed. Dated by
    `at`, when the open platform's list changed; `published_at` is the catalogue version's publication."""

    type: ClassVar[str] = "open.list.changed"

    agency_id: UUID
    entry_id: UUID
    code: str
    name: str
    version: int
    change: Literal["added", "removed", "changed"]
    # The open type the list shows after the change (before it, for a removal).
    open_type: OpenType
    # For "changed": the listed attributes that changed; empty otherwise.
    fields: list[str] = Field(default_factory=list)
    at: datetime
    published_at: datetime

    def aggregate_id(self) -> str:
        return str(self.agency_id)


# open-access: conditional open applications, agreements, data keys, feedback, demands (A24.2, A24.3, A26.1, A27.1).
# Application events are keyed by the application id, key events by the key id, report events by the report id,
# demand events by the demand id. None carries an applicant's or reporter's identity fields.


class OpenApplicationStepped(OpenEvent):
    """A conditional open application moved in its lifecycle: applied, approved, refused (with reasons), agreement
    accepted, withdrawn, access revoked (A24.2, A24.3). `actor` is the subject who acted."""

    type: ClassVar[str] = "open.application.stepped"

    application_id: UUID
    entry_id: UUID
    provider_agency_id: UUID
    region_code: str
    action: str
    state_before: str | None
    state: str
    actor: str
    at: datetime
    reasons: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list, description="The items applied for, or approved on approval.")

    def aggregate_id(self) -> str:
        return str(self.application_id)


class OpenApplicationDeadlineEvent(OpenEvent):
    application_id: UUID
    entry_id: UUID
    provider_agency_id: UUID
    region_code: str
    due_on: date
    provisional: bool = Field(
        default=False,
        description="due_on was counted on weekends alone where the working-day calendar does not cover the span "
        "yet; open.application.due_date_recomputed follows when the calendar is extended",
    )

    def aggregate_id(self) -> str:
        return str(self.application_id)


class OpenApplicationApproaching(OpenApplicationDeadlineEvent):
    """The collecting agency's answer is due within 3 working days and not given yet (A24.2)."""

    type: ClassVar[str] = "open.application.approaching"


class OpenApplicationOverdue(OpenApplicationDeadlineEvent):
    """The 10 working days to answer passed without an answer: counted against the agency (A24.2)."""

    type: ClassVar[str] = "open.application.overdue"


class OpenApplicationDueDateRecomputed(OpenApplicationDeadlineEvent):
    """A provisional due date was recomputed on an extended working-day calendar (A24.2)."""

    type: ClassVar[str] = "open.application.due_date_recomputed"
    previous_due_on: date


class OpenAgreementPublished(OpenEvent):
    """The bureau published a new version of the open-use agreement (开放利用协议, A24.3); it applies to acceptances
    from now on, earlier acceptances keep the version they accepted."""

    type: ClassVar[str] = "open.agreement.published"

    version: int
    title: str
    published_by: str
    at: datetime

    def aggregate_id(self) -> str:
        return "open-use-agreement"


class OpenAgreementAccepted(OpenEvent):
    """The applicant of an approved application accepted the agreement's version (A24.3)."""

    type: ClassVar[str] = "open.agreement.accepted"

    application_id: UUID
    entry_id: UUID
    agreement_version: int
    applicant: str
    at: datetime

    def aggregate_id(self) -> str:
        return str(self.application_id)


class DataKeyEvent(OpenEvent):
    key_id: UUID
    application_id: UUID
    entry_id: UUID
    at: datetime

    def aggregate_id(self) -> str:
        return str(self.key_id)


class DataKeyIssued(DataKeyEvent):
    """A data key for the entry's approved items was issued to the applicant, after the agreement (A24.3)."""

    type: ClassVar[str] = "open.data_key.issued"

    holder: str
    items: list[str]


class DataKeyRevoked(DataKeyEvent):
    """A data key was revoked (by its holder, the collecting agency or the bureau); calls with it are refused."""

    type: ClassVar[str] = "open.data_key.revoked"

    revoked_by: str
    reason: str | None = None


class FeedbackStepped(OpenEvent):
    """An error report or objection on a dataset moved: received (routed to the responsible agency), taken up,
    answered as corrected or rejected (A26.1)."""

    type: ClassVar[str] = "open.feedback.stepped"

    report_id: UUID
    entry_id: UUID
    agency_id: UUID
    region_code: str
    kind: str
    action: str
    state: str
    at: datetime

    def aggregate_id(self) -> str:
        return str(self.report_id)


class DemandStepped(OpenEvent):
    """A request for data to be opened was made or answered by the bureau (A27.1).

    `agency_id` and `region_code` name the agency whose data is asked for and its region, for which the indicator
    system counts the demand (A32.1); both are None when the demand names no agency: it is the city's."""

    type: ClassVar[str] = "open.demand.stepped"

    demand_id: UUID
    action: str
    state: str
    votes: int
    at: datetime
    outcome: str | None = None
    agency_id: UUID | None = None
    region_code: str | None = None

    def aggregate_id(self) -> str:
        return str(self.demand_id)


class DatasetQualityScored(OpenEvent):
    """An open dataset's metadata quality score changed (A25.1): published when the catalogue's version, the open
    platform's records of it, or the passing of its update cycle change the figure, never for a dataset that is not
    open or is secret (A22.1). `score` is the figure the portal shows, udata's criteria met over those counted as a
    whole percentage (round(100 × met / criteria)); `met` and `criteria` give it exactly."""

    type: ClassVar[str] = "open.dataset.quality_scored"

    entry_id: UUID
    provider_agency_id: UUID
    region_code: str
    score: float = Field(ge=0, le=100)
    met: int
    criteria: int
    scored_at: datetime

    def aggregate_id(self) -> str:
        return str(self.entry_id)
