"""Data quality use cases: measure entries into snapshots, announce newly stale ones, roll up (A25.1, A32.1)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import RowMapping
from sqlalchemy.ext.asyncio import AsyncSession

from aggregation_svc.entries import scope
from aggregation_svc.entries import service as entries
from aggregation_svc.quality import repository, rules
from aggregation_svc.quality.models import QualitySnapshot
from aggregation_svc.quality.schemas import (
    DailyQuality,
    EntryQualityOut,
    EntryScore,
    QualityRollupOut,
    SnapshotOut,
    SnapshotRunOut,
)
from hub.contracts.aggregation import EntryStale
from hub.errors import Forbidden, NotFound
from hub.internal_token import Caller
from hub.outbox import record_event

SOURCE = "aggregation-svc"
HISTORY_DAYS = 90


@dataclass(frozen=True)
class SnapshotRun:
    snapshots: list[QualitySnapshot]
    newly_stale: list[uuid.UUID]


def snapshot_of(counts: RowMapping, now: datetime) -> QualitySnapshot:
    """An entry's snapshot from its raw counts, through the rules."""
    completeness = rules.completeness(counts["complete_records"], counts["records"])
    validity = rules.validity(counts["accepted_rows"], counts["quarantined_rows"])
    uniqueness = rules.uniqueness(counts["distinct_keys"], counts["records"])
    timeliness = rules.timeliness(counts["update_cycle"], counts["last_ingested_at"], counts["published_at"], now)
    return QualitySnapshot(
        entry_id=counts["entry_id"], agency_id=counts["agency_id"], region_code=counts["region_code"],
        update_cycle=counts["update_cycle"], taken_at=now, records=counts["records"],
        complete_records=counts["complete_records"], distinct_keys=counts["distinct_keys"],
        accepted_rows=counts["accepted_rows"], quarantined_rows=counts["quarantined_rows"],
        completeness=completeness, validity=validity, uniqueness=uniqueness,
        last_ingested_at=counts["last_ingested_at"], due_by=timeliness.due_by, stale=timeliness.stale,
        score=rules.overall_score(completeness, validity, uniqueness, timeliness.stale),
    )  # fmt: skip


async def take_snapshots(session: AsyncSession, now: datetime, region_code: str | None = None) -> SnapshotRun:
    """Measure every live entry of the region (all when None), store the snapshots, and announce each entry
    that became stale since its previous snapshot, once (aggregation.entry.stale, A25.1)."""
    await repository.lock_snapshots(session)
    measured = await repository.measure_entries(session, region_code)
    snapshots = [snapshot_of(counts, now) for counts in measured]
    was_stale = await repository.latest_stale(session, [s.entry_id for s in snapshots])
    newly_stale = [s for s in snapshots if s.stale and not was_stale.get(s.entry_id, False)]
    await repository.add_snapshots(session, snapshots)
    for snapshot in newly_stale:
        assert snapshot.due_by is not None  # only an entry with a cycle can be stale
        event = EntryStale(
            entry_id=snapshot.entry_id, agency_id=snapshot.agency_id, region_code=snapshot.region_code,
            update_cycle=snapshot.update_cycle, last_ingested_at=snapshot.last_ingested_at, due_by=snapshot.due_by,
            detected_at=now,
        )  # fmt: skip
        await record_event(session, event, source=SOURCE)
    return SnapshotRun(snapshots, [s.entry_id for s in newly_stale])


def run_summary(run: SnapshotRun, now: datetime, region_code: str | None) -> SnapshotRunOut:
    return SnapshotRunOut(
        taken_at=now, region_code=region_code, entries=len(run.snapshots),
        stale_entries=sum(s.stale for s in run.snapshots), newly_stale=run.newly_stale,
    )  # fmt: skip


async def entry_quality(session: AsyncSession, caller: Caller, entry_id: uuid.UUID, limit: int) -> EntryQualityOut:
    """An entry's latest snapshot and its history, newest first: for its agency and operators of its region."""
    entry = (await entries.entry_or_404(session, entry_id)).row
    refusal = Forbidden(f"Only the agency of entry {entry.code} reads its quality here.", requirement="A32.1")
    scope.require_entry_scope(caller, entry.region_code, entry.provider_agency_id, refusal)
    history = [SnapshotOut.model_validate(s) for s in await repository.entry_history(session, entry_id, limit)]
    return EntryQualityOut(
        entry_id=entry.entry_id, code=entry.code, name=entry.name, agency_id=entry.provider_agency_id,
        region_code=entry.region_code, update_cycle=entry.update_cycle, latest=history[0] if history else None,
        history=history,
    )  # fmt: skip


async def agency_quality(
    session: AsyncSession, caller: Caller, agency_id: uuid.UUID, timezone: str
) -> QualityRollupOut:
    """An agency's indicators over its live entries: the agency itself sees all of them; an operator, those of
    the agency's entries inside the operator's region (A4.1)."""
    regions = await repository.agency_regions(session, agency_id)
    if not regions:
        raise NotFound(f"Agency {agency_id} has no entry in the big data centre.")
    if caller.agency_id == str(agency_id) and not scope.is_operator(caller):
        region = None
    elif scope.is_operator(caller):
        region = caller.region_code or ""
        if not any(scope.is_operator_of(caller, r) for r in regions):
            raise Forbidden(f"Agency {agency_id} has no entry in region {region}.", requirement="A4.1")
    else:
        raise Forbidden("An agency reads its own quality indicators only.", requirement="A32.1")
    latest = await repository.latest_per_entry(session, region_code=region, agency_id=agency_id)
    daily = await repository.daily_history(
        session, region_code=region, agency_id=agency_id, timezone=timezone, days=HISTORY_DAYS
    )
    return _rollup("agency", latest, daily, agency_id=agency_id)


async def region_quality(session: AsyncSession, caller: Caller, region_code: str, timezone: str) -> QualityRollupOut:
    """A region's indicators over its live entries, districts included for a city (A4.1, A32.1)."""
    if not scope.is_operator_of(caller, region_code):
        raise Forbidden(f"Region {region_code} is outside region {caller.region_code}.", requirement="A4.1")
    latest = await repository.latest_per_entry(session, region_code=region_code, agency_id=None)
    daily = await repository.daily_history(
        session, region_code=region_code, agency_id=None, timezone=timezone, days=HISTORY_DAYS
    )
    return _rollup("region", latest, daily, region_code=region_code)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def _rollup(
    scope: str,
    latest: Sequence[RowMapping],
    daily: Sequence[RowMapping],
    *,
    agency_id: uuid.UUID | None = None,
    region_code: str | None = None,
) -> QualityRollupOut:
    by_entry = [EntryScore.model_validate(dict(row)) for row in latest]
    measured = [e for e in by_entry if e.taken_at is not None]
    return QualityRollupOut(
        scope=scope, agency_id=agency_id, region_code=region_code, entries=len(by_entry),
        measured_entries=len(measured), stale_entries=sum(bool(e.stale) for e in measured),
        completeness=_mean([e.completeness for e in measured]), validity=_mean([e.validity for e in measured]),
        uniqueness=_mean([e.uniqueness for e in measured]), score=_mean([e.score for e in measured]),
        by_entry=by_entry, history=[DailyQuality.model_validate(dict(row)) for row in daily],
    )  # fmt: skip
