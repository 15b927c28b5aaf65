"""Request and response bodies of disputes (A20.3). Every text is bounded: a dispute is read by people."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from hub.contracts.vocabulary import RiskLevel
from share_svc.disputes.lifecycle import DisputeOutcome

# A GB/T 2260 division (6 digits) or a GB/T 10114 street (9): hub.regions reads nothing else.
REGION_CODE = r"^[0-9]{6}([0-9]{3})?$"
Reason = Annotated[str, Field(max_length=1000)]
Reasons = Annotated[
    list[Reason],
    Field(max_length=50, description="Why: at least one reason that is not blank (A20.3)."),
]
Authority = Annotated[str, Field(min_length=1, max_length=200, description="A government body, e.g. 无锡市人民政府.")]


class DisputeIn(BaseModel):
    """The refused applicant's statement: why the refusal should not stand (A20.3)."""

    model_config = ConfigDict(extra="forbid")

    statement: str = Field(min_length=1, max_length=4000, pattern=r"\S")


class NoteIn(BaseModel):
    """A coordination note of the bureau: whom it heard, what was agreed (A20.3)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=4000, pattern=r"\S")


class DecisionIn(BaseModel):
    """The bureau's decision: upheld grants the application, dismissed lets the refusal stand (A20.3), with the
    risk the sharing was assessed to carry (A29.1)."""

    model_config = ConfigDict(extra="forbid")

    outcome: DisputeOutcome
    reasons: Reasons = Field(default_factory=list)
    risk_level: RiskLevel


class EscalationIn(BaseModel):
    """The bureau refers the dispute to the region's government (A20.3)."""

    model_config = ConfigDict(extra="forbid")

    authority: Authority
    reasons: Reasons = Field(default_factory=list)


class GovernmentDecisionIn(BaseModel):
    """What the region's government decided, recorded by the bureau's administrator (A20.3): the authority, the
    reference of its decision and the day it was made, its reasons, and the risk assessed (A29.1)."""

    model_config = ConfigDict(extra="forbid")

    outcome: DisputeOutcome
    authority: Authority
    reference: str = Field(min_length=1, max_length=200, description="The decision's document number.")
    decided_on: date
    reasons: Reasons = Field(default_factory=list)
    risk_level: RiskLevel


class DisputeStepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    state_before: str | None
    state: str
    actor: str
    actor_agency_id: uuid.UUID | None
    actor_region_code: str | None
    at: datetime
    text: str | None
    reasons: list[str]
    outcome: str | None


class DisputeSummary(BaseModel):
    """A dispute as a listing shows it; its steps are at /disputes/{dispute_id}."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    application_id: uuid.UUID
    region_code: str
    consumer_agency_id: uuid.UUID
    provider_agency_id: uuid.UUID
    statement: str
    state: str
    raised_by: str
    raised_at: datetime
    escalated_by: str | None
    escalated_at: datetime | None
    escalated_to: str | None
    escalation_reasons: list[str]
    outcome: str | None
    decided_by_kind: str | None
    decided_by: str | None
    decided_at: datetime | None
    authority: str | None
    reference: str | None
    decided_on: date | None
    reasons: list[str]
    risk_level: str | None
    grant_id: uuid.UUID | None


class DisputeOut(DisputeSummary):
    """A dispute with every step it took, each dated and attributed (A20.3)."""

    steps: list[DisputeStepOut]


class DisputePage(BaseModel):
    limit: int
    offset: int
    items: list[DisputeSummary]
