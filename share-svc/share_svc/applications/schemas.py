"""Request and response bodies of share applications and their reviews."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AliasChoices, AwareDatetime, BaseModel, ConfigDict, Field

from hub.contracts.vocabulary import RiskLevel
from share_svc.applications.lifecycle import ApplicationState
from share_svc.applications.rules import MAX_PURPOSE_CHARS, Decision, text_problem
from share_svc.grants.models import Grant
from share_svc.grants.schemas import GrantOut

# A period outside these years is a typing error, and Python's datetime cannot shift it across time zones.
EARLIEST_YEAR, LATEST_YEAR = 2000, 2999


def _one_line(text: str) -> str:
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be blank")
    return text


def _unique(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("names an item more than once")
    return names


def _plausible_year(moment: datetime) -> datetime:
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return moment


ItemName = Annotated[str, Field(min_length=1, max_length=60, description="A data item (信息项) of the entry")]
Reason = Annotated[str, Field(max_length=1000)]
Moment = Annotated[AwareDatetime, AfterValidator(_plausible_year)]


@dataclass(frozen=True)
class ApplicationFilters:
    """What a listing narrows to, beside the caller's scope (which a side narrows: `rules.listing_scope`)."""

    state: ApplicationState | None = None
    entry_id: uuid.UUID | None = None


class ApplicationIn(BaseModel):
    """What an agency asks for: items of a published entry, for a purpose, under a duty or legal basis, for a
    period (A21.1)."""

    entry_id: uuid.UUID
    items: Annotated[list[ItemName], AfterValidator(_unique)] = Field(min_length=1, max_length=500)
    purpose: Annotated[str, Field(min_length=1, max_length=MAX_PURPOSE_CHARS), AfterValidator(_one_line)] = Field(
        description="What the data is for, e.g. 低保资格审核: every pull under the grant declares it again in the "
        "x-hub-purpose header (A21.1)."
    )
    legal_basis: Annotated[str, Field(min_length=1, max_length=4000), AfterValidator(_not_blank)] = Field(
        description="The duty or legal basis the use serves (A21.1: only for the applicant's own duties)."
    )
    valid_from: Moment | None = Field(default=None, description="When the grant starts; now if left out.")
    valid_until: Moment = Field(description="When the grant ends; at most share_max_grant_days after it starts.")


class ReviewIn(BaseModel):
    """One party's decision (A20.2), with the risk it assessed (A29.1)."""

    decision: Decision
    reasons: list[Reason] = Field(default_factory=list, max_length=50, description="Required to refuse (A20.2).")
    risk_level: RiskLevel


class WithdrawIn(BaseModel):
    reasons: list[Reason] = Field(default_factory=list, max_length=50)


class StepOut(BaseModel):
    """One step of the application: who did what, when, from which state to which, why, at which risk."""

    model_config = ConfigDict(from_attributes=True)

    action: str
    state_before: ApplicationState | None
    state: ApplicationState
    actor: str = Field(description="The subject who acted, or share-svc for the hub's own steps.")
    actor_agency_id: uuid.UUID | None
    actor_region_code: str | None
    at: datetime
    reasons: list[str]
    risk_level: RiskLevel | None


class ReviewOut(BaseModel):
    """One party's review: pending until decided, due on a working day (A20.2)."""

    model_config = ConfigDict(from_attributes=True)

    party: str
    agency_id: uuid.UUID
    region_code: str
    decision: Decision | None
    reasons: list[str]
    risk_level: RiskLevel | None
    decided_by: str | None
    decided_at: datetime | None
    opened_on: date
    working_days: int
    due_on: date
    provisional: bool = Field(
        validation_alias=AliasChoices("due_provisional", "provisional"),
        description="The working-day calendar does not cover the whole time limit yet (counted on weekends alone).",
    )
    closed_on: date | None = Field(description="Decided, or ended without a decision when the application was.")
    overdue_notified_at: datetime | None


class ApplicationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    entry_id: uuid.UUID
    entry_version: int
    entry_code: str
    consumer_agency_id: uuid.UUID
    provider_agency_id: uuid.UUID
    region_code: str
    items: list[str]
    purpose: str
    legal_basis: str
    valid_from: datetime
    valid_until: datetime
    state: ApplicationState
    applied_by: str
    applied_at: datetime
    decided_at: datetime | None
    updated_at: datetime


class ApplicationDetail(ApplicationOut):
    """The application with every step, its reviews and its grant."""

    steps: list[StepOut]
    reviews: list[ReviewOut]
    grant: GrantOut | None

    @classmethod
    def of(
        cls, application: object, steps: Sequence[object], reviews: Sequence[object], grant: Grant | None,
        now: datetime,
    ) -> ApplicationDetail:  # fmt: skip
        """The answer for an application read with its steps, reviews and grant, at `now`."""
        return cls(
            **ApplicationOut.model_validate(application).model_dump(),
            steps=[StepOut.model_validate(step) for step in steps],
            reviews=[ReviewOut.model_validate(review) for review in reviews],
            grant=GrantOut.of(grant, now) if grant is not None else None,
        )
