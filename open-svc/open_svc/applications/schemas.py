"""Request and response bodies of conditional open applications (A24.2)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from hub.deadlines import is_overdue
from hub.identifiers import credit_code_problem, resident_id_problem
from open_svc.applications.lifecycle import ApplicationState

if TYPE_CHECKING:
    from open_svc.applications.models import OpenApplication

ItemName = Annotated[str, Field(min_length=1, max_length=100)]
Reason = Annotated[str, Field(max_length=1000)]


class ApplicantKind(StrEnum):
    """Who applies (A24.2): a citizen (自然人), a legal person (法人) or another organisation (非法人组织)."""

    citizen = "citizen"
    legal_person = "legal_person"
    organisation = "organisation"


class DataFormat(StrEnum):
    """How the applicant will take the data: through the keyed API, or as files of these formats."""

    api = "api"
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


class Applicant(BaseModel):
    """The identity the applicant declares: kept with the application and with its agreement's acceptance."""

    model_config = ConfigDict(from_attributes=True)

    kind: ApplicantKind
    name: str = Field(min_length=1, max_length=200, description="The citizen's name, or the entity's registered name.")
    identifier: str = Field(
        min_length=1,
        max_length=18,
        description="A citizen's 公民身份号码 (GB 11643 check character), or a legal person's or organisation's "
        "统一社会信用代码 (GB 32100 check character).",
    )
    contact: str = Field(min_length=1, max_length=100, description="A telephone number or e-mail address.")

    @field_validator("identifier")
    @classmethod
    def _well_formed(cls, value: str, info: ValidationInfo) -> str:
        # `kind` is declared first, so it is validated (or missing) by now.
        kind = info.data.get("kind")
        problem = resident_id_problem(value) if kind == ApplicantKind.citizen else credit_code_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class ApplicationIn(BaseModel):
    entry_id: uuid.UUID = Field(description="A conditional open dataset (有条件开放).")
    purpose: str = Field(min_length=1, max_length=1000, description="What the data will be used for.")
    data_format: DataFormat
    items: list[ItemName] = Field(min_length=1, max_length=200, description="The data items needed (a subset).")
    applicant: Applicant


class DecisionIn(BaseModel):
    """The collecting agency's answer (A24.2): approve, or refuse with reasons."""

    decision: Literal["approve", "refuse"]
    reasons: list[Reason] = Field(default_factory=list, max_length=50, description="Required to refuse.")
    items: list[ItemName] | None = Field(
        default=None,
        max_length=200,
        description="On approval, the items approved: all those asked if left out; fewer refuse the rest (reasons).",
    )


class StepOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    action: str
    state_before: str | None
    state: str
    actor: str
    at: datetime
    reasons: list[str]


class ApplicationOut(BaseModel):
    id: uuid.UUID
    entry_id: uuid.UUID
    entry_version: int
    entry_code: str
    entry_name: str
    provider_agency_id: uuid.UUID
    region_code: str
    applicant: str = Field(description="The portal account that applied.")
    identity: Applicant
    purpose: str
    data_format: DataFormat
    items: list[str]
    approved_items: list[str] | None
    state: ApplicationState
    applied_at: datetime
    opened_on: date
    working_days: int = Field(description="The time limit to answer in working days (10, A24.2).")
    due_on: date
    provisional: bool = Field(
        validation_alias=AliasChoices("due_provisional", "provisional"),
        description="The working-day calendar does not cover the whole time limit yet: due_on counts the uncovered "
        "days on weekends alone and is recomputed when an operator adds the year.",
    )
    overdue: bool = Field(description="Not answered and past its due date (A24.2).")
    decided_at: datetime | None
    decided_by: str | None
    decided_late: bool
    reasons: list[str]

    @classmethod
    def of(cls, application: OpenApplication, today: date, **extra: Any) -> Self:
        """The application's columns, its applicant's declared identity, whether it is overdue `today`, and the
        `extra` fields of a subclass."""
        columns = {name: getattr(application, name) for name in COLUMNS}
        identity = Applicant.model_construct(
            kind=ApplicantKind(application.applicant_kind), name=application.applicant_name,
            identifier=application.applicant_identifier, contact=application.applicant_contact,
        )  # fmt: skip
        overdue = is_overdue(application.closed_on, application.due_on, today)
        return cls(**columns, identity=identity, provisional=application.due_provisional, overdue=overdue, **extra)


# The response fields read as they are from the application's columns.
COLUMNS = (
    "id", "entry_id", "entry_version", "entry_code", "entry_name", "provider_agency_id", "region_code", "applicant",
    "purpose", "data_format", "items", "approved_items", "state", "applied_at", "opened_on", "working_days", "due_on",
    "decided_at", "decided_by", "decided_late", "reasons",
)  # fmt: skip


class ApplicationDetail(ApplicationOut):
    steps: list[StepOut]


class ApplicationPage(BaseModel):
    applications: list[ApplicationOut]
    total: int


class AgencyCounts(BaseModel):
    """One collecting agency's applications (A24.2): running (pending) ones and how many of them are due soon or
    overdue, and decisions, late ones among them."""

    pending: int = 0
    approaching: int = 0
    overdue: int = 0
    approved: int = 0
    refused: int = 0
    decided_late: int = 0
    withdrawn: int = 0
