"""Use cases of the open-use agreement (A24.3): the bureau publishes versions of its text; the applicant of an
approved application accepts the version in force, which is recorded with the time, the version and the identity
declared on the application. Only then may a data key be issued (keys)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import OpenAgreementAccepted, OpenAgreementPublished
from hub.errors import Conflict, Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import is_city
from open_svc.agreements import repository
from open_svc.agreements.models import Agreement, AgreementAcceptance
from open_svc.agreements.schemas import AgreementIn
from open_svc.applications import service as applications
from open_svc.applications.lifecycle import ApplicationAction
from open_svc.applications.steps import SOURCE, take_step


async def publish(session: AsyncSession, caller: Caller, body: AgreementIn, now: datetime) -> Agreement:
    """A new version of the agreement, in force from now on; acceptances already given keep their version.

    One agreement binds every applicant of the hub, whichever region holds the data: only the city's bureau
    publishes it (A4.1, A24.3)."""
    if not (caller.region_code and is_city(caller.region_code)):
        raise Forbidden("The open-use agreement is the whole city's: only the city's bureau publishes it.",
                        requirement="A4.1")  # fmt: skip
    agreement = Agreement(
        version=await repository.next_version(session), title=body.title, text=body.text,
        published_by=caller.subject, published_at=now,
    )  # fmt: skip
    session.add(agreement)
    await session.flush()
    event = OpenAgreementPublished(version=agreement.version, title=agreement.title, published_by=caller.subject,
                                   at=now)  # fmt: skip
    await record_event(session, event, source=SOURCE)
    return agreement


async def current(session: AsyncSession) -> Agreement:
    """The version in force; NotFound before the bureau published one."""
    agreement = await repository.current(session)
    if agreement is None:
        raise NotFound("No open-use agreement has been published yet.")
    return agreement


async def version(session: AsyncSession, number: int) -> Agreement:
    """One version, in force or earlier."""
    agreement = await repository.version(session, number)
    if agreement is None:
        raise NotFound(f"No version {number} of the open-use agreement.")
    return agreement


async def accept(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, accepted_version: int, now: datetime
) -> AgreementAcceptance:
    """The applicant accepts the version in force for an approved application (A24.3): a 409 for another version
    (it must read the one in force) or an application not approved (or accepted already)."""
    application = await applications.own(session, caller, application_id)
    in_force = await repository.current(session)
    if in_force is None or in_force.version != accepted_version:
        raise Conflict(
            "Accept the open-use agreement in force: read it at /agreements/current and send its version.",
            requirement="A24.3",
            current_version=in_force.version if in_force else None,
        )
    await take_step(session, application, ApplicationAction.accept_agreement, caller, now)
    acceptance = AgreementAcceptance(
        id=uuid.uuid4(), application_id=application.id, agreement_version=in_force.version,
        applicant=caller.subject, applicant_kind=application.applicant_kind,
        applicant_name=application.applicant_name, applicant_identifier=application.applicant_identifier,
        accepted_at=now,
    )  # fmt: skip
    session.add(acceptance)
    event = OpenAgreementAccepted(application_id=application.id, entry_id=application.entry_id,
                                  agreement_version=in_force.version, applicant=caller.subject, at=now)  # fmt: skip
    await record_event(session, event, source=SOURCE)
    await session.flush()
    return acceptance


async def acceptance(session: AsyncSession, caller: Caller, application_id: uuid.UUID) -> AgreementAcceptance:
    """The acceptance of an application the caller may read; NotFound until the applicant accepted."""
    application = await applications.visible(session, caller, application_id)
    accepted = await repository.acceptance(session, application.id)
    if accepted is None:
        raise NotFound(f"The applicant of {application_id} has not accepted the open-use agreement.")
    return accepted
