"""Use cases of conditional open applications (A24.2): apply to the collecting agency, answer within 10 working
days (approve the items or fewer, or refuse with reasons), withdraw, list with the approaching and overdue ones,
count per agency. The agreement and the data keys that follow an approval are agreements' and keys' (A24.3).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import OpenType
from hub.deadlines import APPROACHING_WORKING_DAYS, due_date
from hub.errors import NotFound, RuleViolation
from hub.internal_token import Caller
from hub.published_catalogue.openness import is_open
from hub.violations import refuse_if_any
from hub.workdays import WorkingCalendar
from open_svc.applications import repository, rules
from open_svc.applications.lifecycle import ApplicationAction, ApplicationState
from open_svc.applications.models import OpenApplication, OpenApplicationStep
from open_svc.applications.repository import Audience, Window
from open_svc.applications.rules import Deadline
from open_svc.applications.schemas import AgencyCounts, ApplicationIn, DecisionIn
from open_svc.applications.steps import take_step
from open_svc.catalogue.models import PublishedEntry
from open_svc.catalogue.service import published_entries


@dataclass(frozen=True)
class ApplicationQuery:
    """What a listing asks for, within the caller's own audience."""

    state: ApplicationState | None = None
    deadline: Deadline | None = None
    entry_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0


def _not_found(application_id: uuid.UUID) -> NotFound:
    # The same answer whether it does not exist or the caller is no party to it: its existence is not disclosed.
    return NotFound(f"No open application {application_id} of yours.")


async def conditional_dataset(session: AsyncSession, entry_id: uuid.UUID) -> PublishedEntry:
    """The open dataset, if it is opened on conditions (A24.2); NotFound for what is not open (A22.1)."""
    entry = await published_entries.entry(session, entry_id, hold=True)
    if entry is None or not is_open(entry):
        raise NotFound(f"No open dataset {entry_id}.")
    if entry.open_type != OpenType.conditional:
        raise RuleViolation(
            "This dataset is opened unconditionally: it is obtained directly, without an application (A24.1).",
            requirement="A24.2",
            errors=[{"field": "entry_id", "message": "not a conditional open dataset", "requirement": "A24.2"}],
        )
    return entry


async def apply(
    session: AsyncSession, caller: Caller, body: ApplicationIn, today: date, now: datetime, calendar: WorkingCalendar
) -> OpenApplication:
    """A registered applicant applies to the collecting agency for items of a conditional open dataset, with the
    purpose and data format (A24.2); the agency's 10 working days start today."""
    entry = await conditional_dataset(session, body.entry_id)
    refuse_if_any(rules.item_violations(body.items, {i.name for i in entry.items}), "The items asked are not valid.")
    who = body.applicant
    application = OpenApplication(
        id=uuid.uuid4(), entry_id=entry.entry_id, entry_version=entry.version, entry_code=entry.code,
        entry_name=entry.name, provider_agency_id=entry.provider_agency_id, region_code=entry.region_code,
        applicant=caller.subject, applicant_kind=who.kind, applicant_name=who.name, applicant_identifier=who.identifier,
        applicant_contact=who.contact, purpose=body.purpose, data_format=body.data_format, items=list(body.items),
        applied_at=now, reasons=[],
    )  # fmt: skip
    application.start_deadline(today, rules.ANSWER_WORKING_DAYS, calendar)
    session.add(application)
    await take_step(session, application, ApplicationAction.apply, caller, now)
    await session.flush()
    return application


async def visible(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, *, lock: bool = False
) -> OpenApplication:
    """The application, if the caller is its applicant, an officer of its agency or the bureau of its region."""
    application = await repository.get(session, application_id, lock=lock)
    if application is None or not rules.may_read(
        caller, application.applicant, application.provider_agency_id, application.region_code
    ):
        raise _not_found(application_id)
    return application


async def own(session: AsyncSession, caller: Caller, application_id: uuid.UUID) -> OpenApplication:
    """The caller's own application, locked to change it; NotFound for anyone else's."""
    application = await repository.get(session, application_id, lock=True)
    if application is None or not rules.is_applicant(caller, application.applicant):
        raise _not_found(application_id)
    return application


async def decide(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, body: DecisionIn, today: date, now: datetime
) -> OpenApplication:
    """An officer of the collecting agency answers (A24.2): approves the items asked (or fewer, refusing the rest
    with reasons) or refuses with reasons. Another agency's officer does not see the application (404)."""
    application = await repository.get(session, application_id, lock=True)
    if application is None or not rules.answers_for(caller, application.provider_agency_id):
        raise _not_found(application_id)
    refusing = body.decision == "refuse"
    approved = list(application.items) if body.items is None else list(body.items)
    violations = rules.decision_violations(refusing, body.reasons, approved, application.items)
    refuse_if_any(violations, "The decision is incomplete (A24.2).")
    reasons = [reason for reason in body.reasons if reason.strip()]
    if not refusing:
        application.approved_items = approved
    action = ApplicationAction.refuse if refusing else ApplicationAction.approve
    await take_step(session, application, action, caller, now, reasons=reasons)
    application.decided_at, application.decided_by, application.reasons = now, caller.subject, reasons
    application.decided_late = application.close_deadline(today)
    await session.flush()
    return application


async def withdraw(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, today: date, now: datetime
) -> OpenApplication:
    """The applicant withdraws an application not answered yet, or approved and not yet agreed."""
    application = await own(session, caller, application_id)
    await take_step(session, application, ApplicationAction.withdraw, caller, now)
    if application.closed_on is None:
        application.close_deadline(today)
    await session.flush()
    return application


async def audience(session: AsyncSession, caller: Caller) -> Audience:
    """Whose applications the caller lists: a portal user its own, an officer its agency's, the bureau those of the
    regions within its own (A4.1)."""
    if rules.is_operator(caller):
        return Audience(regions=await published_entries.regions_within(session, caller.region_code or ""))
    if caller.agency_id is not None:
        return Audience(agency_id=uuid.UUID(caller.agency_id))
    return Audience(applicant=caller.subject)


def window(today: date, calendar: WorkingCalendar) -> Window:
    """Today and the last day an approaching answer may be due (as hub.deadlines announces them)."""
    return Window(today, due_date(calendar, today, APPROACHING_WORKING_DAYS).due_on)


async def listing(
    session: AsyncSession, caller: Caller, query: ApplicationQuery, today: date, calendar: WorkingCalendar
) -> tuple[Sequence[OpenApplication], int]:
    """A page of the applications the caller may see, filtered (approaching and overdue ones among them, A24.2)."""
    return await repository.page(
        session, await audience(session, caller), window(today, calendar), state=query.state,
        deadline=query.deadline, entry_id=query.entry_id, limit=query.limit, offset=query.offset,
    )  # fmt: skip


async def counts_per_agency(
    session: AsyncSession, caller: Caller, today: date, calendar: WorkingCalendar
) -> dict[str, AgencyCounts]:
    """Per collecting agency the caller oversees: pending, approaching, overdue, approved, refused, decided late and
    withdrawn applications (A24.2)."""
    rows = await repository.counts_per_agency(session, await audience(session, caller), window(today, calendar))
    names = tuple(AgencyCounts.model_fields)
    return {str(agency): AgencyCounts(**dict(zip(names, counts, strict=True))) for agency, *counts in rows}


async def steps(session: AsyncSession, application: OpenApplication) -> Sequence[OpenApplicationStep]:
    """The application's steps, oldest first."""
    return await repository.steps(session, application.id)
