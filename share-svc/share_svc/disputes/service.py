"""Use cases of disputes (A20.3): the refused applicant raises one with its statement; the bureau of the
application's region records notes and decides, or escalates to the region's government and records its decision.
Each step is checked against the dispute's lifecycle (a 409 naming what is allowed), recorded with who and when,
and announced on share.events; a decision moves the application by `take_step` (upheld: granted, and the grant
issued; dismissed: the refusal stands), in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.share import DisputeStepped
from hub.contracts.vocabulary import RiskLevel
from hub.errors import Forbidden, NotFound, RuleViolation
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.regions import region_contains
from share_svc.applications.lifecycle import ApplicationAction
from share_svc.applications.models import Application
from share_svc.applications.steps import SOURCE, Actor, take_step
from share_svc.disputes import lifecycle, repository, rules
from share_svc.disputes.lifecycle import UNRESOLVED, DisputeAction, DisputeOutcome, DisputeState
from share_svc.disputes.models import Dispute, DisputeStep
from share_svc.disputes.repository import DisputeFilter
from share_svc.disputes.rules import DecidedBy


@dataclass(frozen=True)
class Decision:
    """A dispute's outcome, why, and the risk assessed (A20.3, A29.1); a government's adds who and which act."""

    outcome: DisputeOutcome
    reasons: Sequence[str]
    risk_level: RiskLevel
    authority: str | None = None
    reference: str | None = None
    decided_on: date | None = None


@dataclass(frozen=True)
class DisputeQuery:
    """What a listing asks for, beyond the caller's own scope."""

    region_code: str | None = None
    agency_id: uuid.UUID | None = None
    state: DisputeState | None = None
    application_id: uuid.UUID | None = None
    limit: int = 50
    offset: int = 0


async def _record(
    session: AsyncSession, dispute: Dispute, action: DisputeAction, actor: Actor, now: datetime, *,
    text: str | None = None, reasons: Sequence[str] = (), outcome: DisputeOutcome | None = None,
) -> None:  # fmt: skip
    """Move the dispute by `action` (IllegalTransition if its state does not allow it), record the step and its
    event in the session's transaction."""
    before = DisputeState(dispute.state) if dispute.state else DisputeState.new
    after = lifecycle.apply(before, action)
    dispute.state, dispute.updated_at = after, now
    session.add(
        DisputeStep(
            dispute_id=dispute.id, action=action, state_before=None if before == DisputeState.new else before,
            state=after, actor=actor.subject, actor_agency_id=actor.agency_id, actor_region_code=actor.region_code,
            at=now, text=text, reasons=list(reasons), outcome=outcome,
        )
    )  # fmt: skip
    await record_event(
        session,
        DisputeStepped(
            dispute_id=dispute.id, application_id=dispute.application_id, region_code=dispute.region_code,
            action=action, state=after, actor=actor.subject, at=now, outcome=outcome,
        ),
        source=SOURCE,
    )  # fmt: skip


def _not_found(kind: str, some_id: uuid.UUID) -> NotFound:
    # The same answer whether it does not exist or the caller is no party to it: its existence is not disclosed.
    return NotFound(f"No {kind} {some_id} of yours.")


def _require_region(caller: Caller, dispute: Dispute) -> None:
    if not rules.in_region(caller, dispute.region_code):
        raise Forbidden(
            f"The dispute belongs to region {dispute.region_code}, outside {caller.region_code}: its bureau (or the "
            f"city's) coordinates and decides it.",
            requirement="A4.1",
        )


def _required_reasons(reasons: Sequence[str], what: str) -> list[str]:
    problems = rules.reasons_problems(reasons)
    if problems:
        raise RuleViolation(f"{what} gives its reasons (A20.3).", errors=problems, requirement="A20.3")
    return [reason for reason in reasons if reason.strip()]


async def raise_dispute(
    session: AsyncSession, caller: Caller, application_id: uuid.UUID, statement: str, now: datetime
) -> Dispute:
    """The refused applicant disputes the refusal with its statement (A20.3): the application becomes disputed and
    the bureau of its region coordinates. Only a refused application, only once (409 otherwise)."""
    application = await repository.application_for_update(session, application_id)
    if application is None:
        raise _not_found("application", application_id)
    if not rules.may_raise(caller, application.consumer_agency_id):
        if rules.acts_for_provider(caller, application.provider_agency_id):
            raise Forbidden("Only the refused applicant disputes a refusal.", requirement="A20.3")
        raise _not_found("application", application_id)
    actor = Actor.of(caller)
    await take_step(session, application, ApplicationAction.dispute, actor, now, reasons=[statement])
    dispute = Dispute(
        id=uuid.uuid4(), application_id=application.id, region_code=application.region_code,
        consumer_agency_id=application.consumer_agency_id, provider_agency_id=application.provider_agency_id,
        statement=statement, raised_by=actor.subject, raised_at=now, escalation_reasons=[], reasons=[],
    )  # fmt: skip
    session.add(dispute)
    await _record(session, dispute, DisputeAction.raise_, actor, now, text=statement)
    await session.flush()
    return dispute


async def _in_region(session: AsyncSession, caller: Caller, dispute_id: uuid.UUID) -> Dispute:
    """The dispute, for an operator of its region (403 otherwise, A4.1); not locked."""
    dispute = await repository.dispute(session, dispute_id)
    if dispute is None:
        raise _not_found("dispute", dispute_id)
    _require_region(caller, dispute)
    return dispute


async def _locked(session: AsyncSession, dispute_id: uuid.UUID) -> Dispute:
    dispute = await repository.dispute(session, dispute_id, lock=True)
    assert dispute is not None  # a dispute is never deleted
    return dispute


async def _for_bureau(session: AsyncSession, caller: Caller, dispute_id: uuid.UUID) -> Dispute:
    """The dispute, locked, for an operator of its region (403 otherwise, A4.1)."""
    await _in_region(session, caller, dispute_id)
    return await _locked(session, dispute_id)


async def _for_decision(session: AsyncSession, caller: Caller, dispute_id: uuid.UUID) -> tuple[Dispute, Application]:
    """The dispute and its application, both locked: the application first, as every writer of both does (a
    termination lapsing the dispute holds the application's lock already)."""
    dispute = await _in_region(session, caller, dispute_id)
    application = await repository.application_for_update(session, dispute.application_id)
    assert application is not None  # a dispute's application is never deleted
    return await _locked(session, dispute_id), application


async def add_note(session: AsyncSession, caller: Caller, dispute_id: uuid.UUID, text: str, now: datetime) -> Dispute:
    """The bureau records a coordination note, dated and attributed (A20.3); while the dispute is undecided."""
    dispute = await _for_bureau(session, caller, dispute_id)
    await _record(session, dispute, DisputeAction.note, Actor.of(caller), now, text=text)
    await session.flush()
    return dispute


async def _decide(
    session: AsyncSession, caller: Caller, dispute_id: uuid.UUID, action: DisputeAction, decision: Decision,
    now: datetime, timezone: str | None = None,
) -> Dispute:  # fmt: skip
    """Decide the dispute by `action` (the bureau's decision, or the government's recorded); `timezone` dates a
    government's decision against the escalation and today."""
    dispute, application = await _for_decision(session, caller, dispute_id)
    lifecycle.apply(DisputeState(dispute.state), action)  # the dispute's state refuses first, naming what it allows
    reasons = _required_reasons(decision.reasons, "A decision")
    if timezone is not None and decision.decided_on is not None and dispute.escalated_at is not None:
        zone = ZoneInfo(timezone)
        escalated_on, today = dispute.escalated_at.astimezone(zone).date(), now.astimezone(zone).date()
        problems = rules.decided_on_problems(decision.decided_on, escalated_on, today)
        if problems:
            raise RuleViolation("The government's decision is dated wrong.", errors=problems, requirement="A20.3")
    actor = Actor.of(caller)
    grant = await take_step(
        session, application, rules.OUTCOME_ACTIONS[decision.outcome], actor, now, reasons=reasons,
        risk_level=decision.risk_level,
    )  # fmt: skip
    government = action == DisputeAction.record_government_decision
    dispute.outcome = decision.outcome
    dispute.decided_by_kind = DecidedBy.government if government else DecidedBy.bureau
    dispute.decided_by, dispute.decided_at = actor.subject, now
    dispute.authority, dispute.reference = decision.authority, decision.reference
    dispute.decided_on = decision.decided_on
    dispute.reasons, dispute.risk_level = reasons, decision.risk_level
    dispute.grant_id = grant.id if grant is not None else None
    text = f"{decision.authority} {decision.reference} ({decision.decided_on})" if government else None
    await _record(session, dispute, action, actor, now, text=text, reasons=reasons, outcome=decision.outcome)
    await session.flush()
    return dispute


async def decide(
    session: AsyncSession, caller: Caller, dispute_id: uuid.UUID, decision: Decision, now: datetime
) -> Dispute:
    """The bureau decides (A20.3): upheld grants the application (its grant issued), dismissed lets the refusal
    stand. Reasons are required (422 without), the risk level recorded (A29.1)."""
    return await _decide(session, caller, dispute_id, DisputeAction.decide, decision, now)


async def escalate(
    session: AsyncSession, caller: Caller, dispute_id: uuid.UUID, authority: str, reasons: Sequence[str],
    now: datetime,
) -> Dispute:  # fmt: skip
    """The bureau refers an open dispute to the region's government, with its reasons (A20.3)."""
    dispute = await _for_bureau(session, caller, dispute_id)
    lifecycle.apply(DisputeState(dispute.state), DisputeAction.escalate)
    given = _required_reasons(reasons, "An escalation")
    actor = Actor.of(caller)
    dispute.escalated_by, dispute.escalated_at, dispute.escalated_to = actor.subject, now, authority
    dispute.escalation_reasons = given
    await _record(session, dispute, DisputeAction.escalate, actor, now, text=authority, reasons=given)
    await session.flush()
    return dispute


async def record_government_decision(
    session: AsyncSession, caller: Caller, dispute_id: uuid.UUID, decision: Decision, now: datetime,
    timezone: str,
) -> Dispute:  # fmt: skip
    """The bureau's administrator records what the region's government decided on an escalated dispute (A20.3):
    its authority, the reference and day of its decision (after the escalation, not after today in the hub's
    `timezone`), its reasons; upheld grants the application, dismissed lets the refusal stand."""
    action = DisputeAction.record_government_decision
    return await _decide(session, caller, dispute_id, action, decision, now, timezone)


async def lapse_dispute(session: AsyncSession, application_id: uuid.UUID, now: datetime) -> Dispute | None:
    """The application's undecided dispute lapses because the application was terminated (its entry retired, or no
    longer shared as asked): nothing is left to decide. For the step that terminates a disputed application, which
    holds the application's lock; None when there is no undecided dispute."""
    dispute = await repository.dispute_of_application(session, application_id, lock=True)
    if dispute is None or dispute.state not in UNRESOLVED:
        return None
    await _record(session, dispute, DisputeAction.lapse, Actor.hub(), now)
    await session.flush()
    return dispute


async def visible_dispute(session: AsyncSession, caller: Caller, dispute_id: uuid.UUID) -> Dispute:
    """The dispute, for its parties (the consumer agency, the provider's officers) and the bureau of its region
    (403 for another region's, A4.1); 404 for anyone else: its existence is not disclosed."""
    dispute = await repository.dispute(session, dispute_id)
    if dispute is not None:
        if rules.party_sees(caller, dispute.consumer_agency_id, dispute.provider_agency_id):
            return dispute
        if rules.is_operator(caller):
            _require_region(caller, dispute)
            return dispute
    raise _not_found("dispute", dispute_id)


async def steps(session: AsyncSession, dispute: Dispute) -> Sequence[DisputeStep]:
    """The dispute's steps in order."""
    return await repository.steps(session, dispute.id)


async def _regions_within(session: AsyncSession, region_code: str) -> list[str]:
    return [code for code in await repository.region_codes(session) if region_contains(region_code, code)]


async def disputes(session: AsyncSession, caller: Caller, query: DisputeQuery) -> Sequence[Dispute]:
    """A page of the disputes the caller sees: an operator's region's (or a region within it, A4.1), an agency's
    own as consumer (its systems and officers) or as provider (its officers), latest first."""
    states = [query.state] if query.state else []
    if rules.is_operator(caller):
        region = query.region_code or caller.region_code or ""
        if not rules.in_region(caller, region):
            raise Forbidden(f"Region {region} is outside {caller.region_code}.", requirement="A4.1")
        where = DisputeFilter(
            regions=await _regions_within(session, region), consumer_agency_id=query.agency_id,
            provider_agency_id=query.agency_id, states=states, application_id=query.application_id,
        )  # fmt: skip
        return await repository.page(session, where, query.limit, query.offset)
    agency = uuid.UUID(caller.agency_id) if caller.agency_id else None
    if agency is None or (query.agency_id is not None and query.agency_id != agency):
        raise Forbidden("An agency reads its own disputes only.", requirement="A15.2")
    as_consumer, as_provider = rules.may_raise(caller, agency), rules.provider_reads(caller, agency)
    if not (as_consumer or as_provider):
        return []
    where = DisputeFilter(
        regions=await _regions_within(session, query.region_code) if query.region_code else None,
        consumer_agency_id=agency if as_consumer else None, provider_agency_id=agency if as_provider else None,
        states=states, application_id=query.application_id,
    )  # fmt: skip
    return await repository.page(session, where, query.limit, query.offset)
