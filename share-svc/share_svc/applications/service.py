"""Use cases of share applications: apply (granted at once for unconditional data, A20.1; two reviews with
working-day due dates for conditional data, A20.2), review, withdraw, list and read within the caller's scope, and
the catalogue's effects on open applications. Every step goes through `steps.take_step`; these functions never
commit (the request's session does, with the events).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.vocabulary import RiskLevel
from hub.errors import Forbidden, NotFound
from hub.internal_token import Caller
from hub.published_catalogue import PublishedVersion
from hub.violations import refuse_if_any
from hub.workdays import WorkingCalendar
from share_svc.applications import repository, rules
from share_svc.applications.lifecycle import UNDECIDED, ApplicationAction, ApplicationState
from share_svc.applications.models import Application, ApplicationStep, Review
from share_svc.applications.rules import Decision, Party, Side
from share_svc.applications.schemas import ApplicationFilters, ApplicationIn
from share_svc.applications.steps import Actor, take_step
from share_svc.disputes import service as disputes
from share_svc.grants import service as grants
from share_svc.grants.models import Grant


@dataclass(frozen=True)
class ReviewTerms:
    """The sharing platform's time limits (settings): working days per review, per region, and the longest grant."""

    working_days: int
    working_days_by_region: Mapping[str, int]
    max_grant_days: int


@dataclass(frozen=True)
class ApplicationView:
    """An application with its steps, its reviews and its grant."""

    application: Application
    steps: Sequence[ApplicationStep]
    reviews: Sequence[Review]
    grant: Grant | None


async def view(session: AsyncSession, application: Application) -> ApplicationView:
    """The application with what happened to it so far."""
    await session.flush()
    return ApplicationView(
        application,
        await repository.steps(session, application.id),
        await repository.reviews(session, application.id),
        await grants.grant_of_application(session, application.id),
    )


async def apply(
    session: AsyncSession, caller: Caller, entry: PublishedVersion, body: ApplicationIn, terms: ReviewTerms,
    now: datetime, today: date, calendar: WorkingCalendar,
) -> ApplicationView:  # fmt: skip
    """The caller's agency applies for items of a published entry (held by the caller's transaction), for a
    purpose and a period (A21.1). Secret or not-shared data is refused at once citing its legal basis (A38.1,
    A19.2); unconditional data is granted at once (A20.1); conditional data waits for the provider agency's and
    the bureau's reviews, each due in working days (A20.2)."""
    consumer = rules.applicant_agency(caller)
    if consumer is None:
        raise Forbidden("An agency applies through its own system or officer.", requirement="A15.2")
    refusal = rules.sharing_refusal(entry)
    if refusal is not None:
        raise Forbidden(refusal.message, requirement=refusal.requirement, legal_basis=entry.share_legal_basis)
    valid_from = body.valid_from or now
    refuse_if_any(
        [
            *filter(None, [rules.own_data_violation(consumer, entry.provider_agency_id)]),
            *rules.item_violations(body.items, entry.items),
            *rules.period_violations(valid_from, body.valid_until, now, terms.max_grant_days),
        ],
        "The application cannot be made as it stands.",
    )
    application = Application(
        id=uuid.uuid4(), entry_id=entry.entry_id, entry_version=entry.version, entry_code=entry.code,
        consumer_agency_id=consumer, provider_agency_id=entry.provider_agency_id, region_code=entry.region_code,
        items=list(body.items), purpose=body.purpose, legal_basis=body.legal_basis, valid_from=valid_from,
        valid_until=body.valid_until, applied_by=caller.subject, applied_at=now,
    )  # fmt: skip
    session.add(application)
    await take_step(session, application, rules.application_action(entry.share_type), Actor.of(caller), now)
    if application.state == ApplicationState.requested:
        days = rules.review_working_days(entry.region_code, terms.working_days, terms.working_days_by_region)
        for party in Party:
            # The bureau's review concerns the provider agency's data too: both rows name it.
            review = Review(id=uuid.uuid4(), application_id=application.id, party=party,
                            agency_id=entry.provider_agency_id, region_code=entry.region_code)  # fmt: skip
            review.start_deadline(today, days, calendar)
            session.add(review)
    return await view(session, application)


async def applications(
    session: AsyncSession, caller: Caller, side: Side | None, filters: ApplicationFilters, limit: int, offset: int
) -> Sequence[Application]:
    """The applications the caller sees (its agency's as consumer, and as provider for its officers; an
    operator's region's, A4.1), newest first."""
    scope = rules.listing_scope(caller, side)
    regions = await repository.regions_within(session, scope.region_code) if scope.region_code else []
    return await repository.page(session, scope, regions, filters, limit, offset)


async def visible_application(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, *, lock: bool = False
) -> Application:
    """The application if the caller may see it; another agency learns nothing of it (404), an operator of
    another region is told so (A4.1)."""
    application = await repository.get(session, application_id, lock=lock)
    if application is None or not rules.may_read(
        caller, application.consumer_agency_id, application.provider_agency_id, application.region_code
    ):
        if application is not None and rules.is_operator(caller):
            raise Forbidden(f"The application is in region {application.region_code}, outside yours.",
                            requirement="A4.1")  # fmt: skip
        raise NotFound(f"No application {application_id} that you may see.")
    return application


async def application_view(session: AsyncSession, caller: Caller, application_id: uuid.UUID) -> ApplicationView:
    """One application the caller may see, with its steps, reviews and grant."""
    return await view(session, await visible_application(session, caller, application_id))


async def review(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, party: Party, decision: Decision,
    reasons: Sequence[str], risk_level: RiskLevel, now: datetime, today: date,
) -> ApplicationView:  # fmt: skip
    """One party decides (A20.2): who, when, why and at which risk (A29.1) are recorded with the step; a refusal
    without reasons is refused. Both approvals grant; one refusal refuses, and the other review becomes moot."""
    application = await visible_application(session, caller, application_id, lock=True)
    refused = rules.may_review(caller, party, application.provider_agency_id, application.region_code)
    if refused is not None:
        raise Forbidden(refused.message, requirement=refused.requirement)
    refuse_if_any(rules.decision_violations(decision, reasons), "A refusal states its reasons.")
    kept = [reason for reason in reasons if reason.strip()]
    await take_step(session, application, rules.review_action(party, decision), Actor.of(caller), now,
                    reasons=kept, risk_level=risk_level)  # fmt: skip
    for row in await repository.reviews(session, application.id, lock=True):
        if row.party == party:
            row.decision, row.reasons, row.risk_level = decision, kept, risk_level
            row.decided_by, row.decided_at = caller.subject, now
            row.close_deadline(today)
    await close_moot_reviews(session, application, today)
    return await view(session, application)


async def withdraw(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, reasons: Sequence[str], now: datetime,
    today: date,
) -> ApplicationView:  # fmt: skip
    """The consumer agency withdraws its undecided application; its pending reviews end."""
    application = await visible_application(session, caller, application_id, lock=True)
    if not rules.is_consumer(caller, application.consumer_agency_id):
        raise Forbidden("Only the applicant agency withdraws its application.", requirement="A20.2")
    kept = [reason for reason in reasons if reason.strip()]
    await take_step(session, application, ApplicationAction.withdraw, Actor.of(caller), now, reasons=kept)
    await close_moot_reviews(session, application, today)
    return await view(session, application)


async def close_moot_reviews(session: AsyncSession, application: Application, today: date) -> None:
    """Once an application is no longer undecided, a review still pending has nothing left to decide: its time
    limit ends without a decision (no overdue announcement follows)."""
    if application.state in UNDECIDED:
        return
    for row in await repository.reviews(session, application.id, lock=True):
        if row.closed_on is None:
            row.close_deadline(today)


# --- the catalogue's effects (share_svc.catalogue.service reacts through these) ------------------------------


async def terminate(session: AsyncSession, application: Application, reason: str, now: datetime, today: date) -> None:
    """The hub ends an undecided or disputed application (locked) whose entry no longer shares what it asked:
    its pending reviews end, and a dispute over it lapses (nothing is left to decide)."""
    disputed = application.state == ApplicationState.disputed
    await take_step(session, application, ApplicationAction.terminate, Actor.hub(), now, reasons=[reason])
    await close_moot_reviews(session, application, today)
    if disputed:
        await disputes.lapse_dispute(session, application.id, now)


async def end_open_applications(
    session: AsyncSession, entry_id: uuid.UUID, reason: str, now: datetime, today: date
) -> Sequence[Application]:
    """Terminate the entry's undecided and disputed applications: nothing may be shared under it any more."""
    ended = await repository.of_entry(session, entry_id, [*UNDECIDED, ApplicationState.disputed])
    for application in ended:
        await terminate(session, application, reason, now, today)
    return ended


async def narrow_open_applications(session: AsyncSession, entry: PublishedVersion, now: datetime, today: date) -> None:
    """Undecided and disputed applications keep only the items the entry's new version still declares; one left
    with none is terminated."""
    for application in await repository.of_entry(session, entry.entry_id, [*UNDECIDED, ApplicationState.disputed]):
        remaining = rules.remaining_items(application.items, entry.items)
        if remaining == list(application.items):
            continue
        if remaining:
            application.items, application.entry_version, application.updated_at = remaining, entry.version, now
            continue
        reason = f"version {entry.version} of entry {entry.code} no longer declares any item applied for"
        await terminate(session, application, reason, now, today)


async def grant_undecided_unconditionally(
    session: AsyncSession, entry: PublishedVersion, now: datetime, today: date
) -> None:
    """The entry became unconditionally shared while applications for it were under review: they are granted
    under the new version's terms, without review (A20.1)."""
    for application in await repository.of_entry(session, entry.entry_id, UNDECIDED):
        application.entry_version = entry.version
        reason = f"entry {entry.code} is shared unconditionally from version {entry.version} (A20.1)"
        await take_step(session, application, ApplicationAction.grant_unconditionally, Actor.hub(), now,
                        reasons=[reason])  # fmt: skip
        await close_moot_reviews(session, application, today)
