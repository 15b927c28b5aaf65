"""The Measures' data-quality indicators as pure functions (A25.1, A32.1).

Each indicator is a share in [0, 1], or None when there is nothing to measure yet (no records, no rows pushed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# How long data of an entry may go without a successful ingest before it is stale, by its update cycle (更新周期).
# Each is the longest such period of the calendar (a 31-day month, July to September, July to December, a leap
# year), so data updated on time is never flagged. Real-time data is expected at least daily; irregular never stale.
CYCLE_DAYS: dict[str, int | None] = {
    "real_time": 1,
    "daily": 1,
    "weekly": 7,
    "monthly": 31,
    "quarterly": 92,
    "half_yearly": 184,
    "yearly": 366,
    "irregular": None,
}


def share(part: int, whole: int) -> float | None:
    """part / whole, or None when there is no whole to measure against."""
    return part / whole if whole else None


def completeness(complete_records: int, records: int) -> float | None:
    """完整性 (A25.1): the share of stored records with every declared item present (not null, not blank).

    Rows missing a *required* item never reach the store (they are quarantined at ingest, A17.1), so measuring
    required items alone would always give 1.0; what tells a consumer how complete the data is, is whether the
    optional items the entry declares were filled in too.
    """
    return share(complete_records, records)


def validity(accepted_rows: int, quarantined_rows: int) -> float | None:
    """有效性 (A25.1): the share of pushed rows that passed validation, over every ingested batch of the entry."""
    return share(accepted_rows, accepted_rows + quarantined_rows)


def uniqueness(distinct_keys: int, records: int) -> float | None:
    """唯一性 (A25.1): distinct keys over records; 1.0 while records upsert by key, measured to prove it."""
    return share(distinct_keys, records)


@dataclass(frozen=True)
class Timeliness:
    """及时性 (A25.1): when the entry's data is next due, and whether that moment has passed."""

    due_by: datetime | None  # None: an irregular entry is never due
    stale: bool


def timeliness(
    update_cycle: str, last_ingested_at: datetime | None, published_at: datetime, now: datetime
) -> Timeliness:
    """The entry is stale once a whole update cycle has passed since its last successful ingest (A25.1).

    An entry never ingested is measured from its publication: its first data is due within one cycle of it.
    An unknown cycle is treated as irregular (never stale) rather than guessed.
    """
    days = CYCLE_DAYS.get(update_cycle)
    if days is None:
        return Timeliness(due_by=None, stale=False)
    due_by = (last_ingested_at or published_at) + timedelta(days=days)
    return Timeliness(due_by=due_by, stale=now > due_by)


def overall_score(
    completeness: float | None, validity: float | None, uniqueness: float | None, stale: bool
) -> float | None:
    """The entry's overall quality score (A32.1): the mean of the indicators it has, timeliness counting 1 or 0.

    An entry with no data yet is scored on timeliness alone, so a long-overdue empty entry scores 0.
    """
    measured = [m for m in (completeness, validity, uniqueness) if m is not None]
    return (sum(measured) + (0.0 if stale else 1.0)) / (len(measured) + 1)
