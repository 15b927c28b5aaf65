"""Use cases of error reports and objections (A26.1): anyone reports on an open dataset (an agency also on data
shared with it); the report is routed to the agency responsible for the data, whose officers list, take up and
answer it; the reporter follows it (by its account, its agency, or the report's id and token when anonymous)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from hub.contracts.open import FeedbackStepped
from hub.errors import NotFound
from hub.internal_token import Caller
from hub.outbox import record_event
from hub.published_catalogue.openness import is_open
from hub.roles import Role
from hub.violations import refuse_if_any
from open_svc.applications.steps import SOURCE
from open_svc.catalogue.service import published_entries
from open_svc.feedback import counts, lifecycle, repository, rules
from open_svc.feedback.lifecycle import ReportAction, ReportState
from open_svc.feedback.models import FeedbackReport
from open_svc.feedback.repository import Audience
from open_svc.feedback.rules import ReporterKind
from open_svc.feedback.schemas import AnswerIn, ReportIn


@dataclass(frozen=True)
class ReportQuery:
    state: ReportState | None = None
    entry_id: uuid.UUID | None = None
    filed: bool = False  # an agency's officers: the reports their agency filed, not those it answers
    limit: int = 50
    offset: int = 0


def _not_found(report_id: uuid.UUID) -> NotFound:
    # The same answer whether it does not exist or the caller may not see it: its existence is not disclosed.
    return NotFound(f"No report {report_id} of yours.")


async def _step(session: AsyncSession, report: FeedbackReport, action: ReportAction, now: datetime) -> None:
    before = ReportState(report.state) if report.state else ReportState.new
    report.state, report.updated_at = lifecycle.apply(before, action), now
    event = FeedbackStepped(report_id=report.id, entry_id=report.entry_id, agency_id=report.agency_id,
                            region_code=report.region_code, kind=report.kind, action=action, state=report.state,
                            at=now)  # fmt: skip
    await record_event(session, event, source=SOURCE)


async def file(
    session: AsyncSession, caller: Caller, body: ReportIn, now: datetime
) -> tuple[FeedbackReport, str | None]:
    """A report on a dataset, routed to the agency responsible for it (A26.1); an anonymous reporter gets the token
    it follows the report with (shown once)."""
    kind = rules.reporter_kind(caller)
    entry = await published_entries.entry(session, body.entry_id)
    if entry is None or not rules.may_report_on(kind, entry):
        raise NotFound(f"No dataset {body.entry_id} to report on.")
    refuse_if_any(rules.item_violations(body.items, {i.name for i in entry.items}), "The items named are not valid.")
    token, digest = rules.new_token() if kind == ReporterKind.anonymous else (None, None)
    report = FeedbackReport(
        id=uuid.uuid4(), entry_id=entry.entry_id, entry_name=entry.name, agency_id=entry.provider_agency_id,
        region_code=entry.region_code, on_open_data=is_open(entry), kind=body.kind, description=body.description,
        items=list(dict.fromkeys(body.items)), record_key=body.record_key, reporter_kind=kind,
        reporter=None if kind == ReporterKind.anonymous else caller.subject,
        reporter_agency_id=uuid.UUID(caller.agency_id) if kind == ReporterKind.agency and caller.agency_id else None,
        token_digest=digest, created_at=now,
    )  # fmt: skip
    await _step(session, report, ReportAction.report, now)
    session.add(report)
    await session.flush()
    return report, token


def _may_read(caller: Caller, report: FeedbackReport, token: str | None) -> bool:
    return (
        rules.is_reporter(caller, report.reporter, report.reporter_agency_id)
        or rules.token_matches(token, report.token_digest)
        or rules.answers_for(caller, report.agency_id)
        or rules.bureau_holds(caller, report.region_code)
    )


async def visible(session: AsyncSession, caller: Caller, report_id: uuid.UUID, token: str | None) -> FeedbackReport:
    """The report, for its reporter (an anonymous one with its token), the responsible agency and the bureau."""
    report = await repository.get(session, report_id)
    if report is None or not _may_read(caller, report, token):
        raise _not_found(report_id)
    return report


async def _to_answer(session: AsyncSession, caller: Caller, report_id: uuid.UUID) -> FeedbackReport:
    report = await repository.get(session, report_id, lock=True)
    if report is None or not rules.answers_for(caller, report.agency_id):
        raise _not_found(report_id)
    return report


async def take_up(session: AsyncSession, caller: Caller, report_id: uuid.UUID, now: datetime) -> FeedbackReport:
    """An officer of the responsible agency takes the report up (the reporter sees it is being handled)."""
    report = await _to_answer(session, caller, report_id)
    await _step(session, report, ReportAction.take_up, now)
    report.taken_up_at = now
    await session.flush()
    return report


async def answer(
    session: AsyncSession, caller: Caller, report_id: uuid.UUID, body: AnswerIn, now: datetime
) -> FeedbackReport:
    """An officer of the responsible agency answers: corrected, or rejected with why the data stands (A26.1)."""
    report = await _to_answer(session, caller, report_id)
    action = ReportAction.correct if body.outcome == "corrected" else ReportAction.reject
    await _step(session, report, action, now)
    report.answer, report.answered_by, report.answered_at = body.answer, caller.subject, now
    await session.flush()
    return report


def _audience(caller: Caller, filed: bool, regions: Sequence[str] | None) -> Audience:
    if regions is not None:
        return Audience(regions=regions)
    if caller.agency_id is not None:
        agency = uuid.UUID(caller.agency_id)
        answering = Role.agency_officer in caller.roles and not filed
        return Audience(agency_id=agency) if answering else Audience(reporter_agency_id=agency)
    return Audience(reporter=caller.subject)


async def listing(session: AsyncSession, caller: Caller, query: ReportQuery) -> tuple[Sequence[FeedbackReport], int]:
    """The reports the caller follows: a portal user's own, an agency's to answer (officers) or filed by it
    (`filed`, and its systems), the bureau's region's; unanswered first, oldest first."""
    operator = rules.is_operator(caller)
    regions = await published_entries.regions_within(session, caller.region_code or "") if operator else None
    return await repository.page(
        session, _audience(caller, query.filed, regions), state=query.state, entry_id=query.entry_id,
        limit=query.limit, offset=query.offset,
    )  # fmt: skip


async def public_counts(
    session: AsyncSession, by: Literal["entry", "agency"], subject_id: uuid.UUID | None
) -> dict[uuid.UUID, counts.ReportCounts]:
    """Counts of reports made on open data, per dataset or per agency (one, if given): what the public sees."""
    ids = None if subject_id is None else [subject_id]
    if by == "agency":
        return await counts.counts_per_agency(session, ids)
    return await counts.counts_per_entry(session, ids)
