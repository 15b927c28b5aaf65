"""The sharing indicators (A32.1), per provider agency and per bureau: applications by outcome, hours from an
application to each party's decision (count, mean, median, 90th percentile), overdue reviews, undecided disputes.

Scope: an operator reads its region, or a region within it (A4.1), optionally one agency's applications; an
agency officer reads its own agency's applications, as provider and as consumer (A15.2).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hub.errors import Forbidden, InvalidInput
from hub.internal_token import Caller
from hub.regions import region_contains
from share_svc.applications.lifecycle import UNDECIDED, ApplicationAction, ApplicationState
from share_svc.disputes import rules as dispute_rules
from share_svc.disputes.lifecycle import UNRESOLVED, DisputeState
from share_svc.indicators import repository
from share_svc.indicators.repository import BUREAU, PROVIDER, Scope
from share_svc.indicators.schemas import (
    BureauIndicators,
    DecisionTime,
    DisputeCounts,
    Indicators,
    Outcomes,
    ProviderIndicators,
)

S, A = ApplicationState, ApplicationAction
# Where an application stands, as the indicators count it: a refusal stands while disputed and once the dispute is
# dismissed; an upheld dispute grants it (A20.2, A20.3).
OUTCOMES: dict[str, tuple[ApplicationState, ...]] = {
    "granted": (S.granted,),
    "refused": (S.refused, S.disputed, S.dispute_dismissed),
    "withdrawn": (S.withdrawn,),
    "terminated": (S.terminated,),
    "pending": UNDECIDED,
}
# Each party's decision on a conditional application (A20.2).
DECISIONS = {
    PROVIDER: (A.provider_approve, A.provider_refuse),
    BUREAU: (A.bureau_approve, A.bureau_refuse),
}


@dataclass(frozen=True)
class IndicatorQuery:
    region_code: str | None = None
    agency_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


async def _regions_within(session: AsyncSession, region_code: str) -> list[str]:
    return [code for code in await repository.region_codes(session) if region_contains(region_code, code)]


async def _scope(session: AsyncSession, caller: Caller, query: IndicatorQuery, now: datetime) -> Scope:
    """The applications the caller's indicators cover (403 outside its region, A4.1, or its agency, A15.2)."""
    until = query.until or now
    if query.since is not None and query.since >= until:
        raise InvalidInput(
            "The window is empty: since must be before until (default: now).",
            errors=[
                {"field": "query.since", "message": f"{query.since.isoformat()} is not before {until.isoformat()}"}
            ],
        )
    if dispute_rules.is_operator(caller):
        region = query.region_code or caller.region_code or ""
        if not dispute_rules.in_region(caller, region):
            raise Forbidden(f"Region {region} is outside {caller.region_code}.", requirement="A4.1")
        return Scope(await _regions_within(session, region), query.agency_id, query.since, until)
    own = uuid.UUID(caller.agency_id) if caller.agency_id else None
    if own is None or (query.agency_id is not None and query.agency_id != own):
        raise Forbidden("An agency reads its own indicators only.", requirement="A15.2")
    regions = await _regions_within(session, query.region_code) if query.region_code else None
    return Scope(regions, own, query.since, until)


def _decision_time(row: Sequence[object]) -> DecisionTime:
    _, count, mean, median, p90 = row
    return DecisionTime.model_validate({"count": count, "mean_hours": mean, "median_hours": median,
                                        "p90_hours": p90})  # fmt: skip


async def indicators(
    session: AsyncSession, caller: Caller, query: IndicatorQuery, now: datetime, today: date
) -> Indicators:
    """The indicators of the caller's scope: applications made in [since, until) (until: now), overdue reviews
    and undecided disputes as of `today`."""
    scope = await _scope(session, caller, query, now)
    providers: dict[str, ProviderIndicators] = {}
    bureaus: dict[str, BureauIndicators] = {}

    def provider(key: object) -> ProviderIndicators:
        return providers.setdefault(str(key), ProviderIndicators(agency_id=uuid.UUID(str(key))))

    def bureau(key: object) -> BureauIndicators:
        return bureaus.setdefault(str(key), BureauIndicators(region_code=str(key)))

    for party, row_of in ((PROVIDER, provider), (BUREAU, bureau)):
        for row in await repository.outcomes(session, scope, party, OUTCOMES):
            row_of(row[0]).applications = Outcomes(**dict(zip(OUTCOMES, row[1:], strict=True)))
        for row in await repository.decision_times(session, scope, party, DECISIONS[party]):
            row_of(row[0]).decision_time = _decision_time(row)
        for key, count in await repository.overdue_reviews(session, scope, party, today):
            row_of(key).overdue_reviews = count
    disputes = DisputeCounts()
    for region, state, count in await repository.undecided_disputes(session, scope, UNRESOLVED):
        if state == DisputeState.open:
            bureau(region).open_disputes, disputes.open = count, disputes.open + count
        else:
            bureau(region).escalated_disputes, disputes.escalated = count, disputes.escalated + count
    return Indicators(
        region_code=query.region_code or (caller.region_code if dispute_rules.is_operator(caller) else None),
        agency_id=scope.agency_id, since=scope.since, until=scope.until, today=today,
        providers=[providers[key] for key in sorted(providers)], bureaus=[bureaus[key] for key in sorted(bureaus)],
        disputes=disputes,
    )  # fmt: skip
