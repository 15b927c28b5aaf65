"""The indicator system's indicators (A32.1): each one's name, unit, requirement, and how its figures add up.

Every figure is made of cells: (agency or none, region or none, total, count), one per agency and region the facts
fall in. An agency's value folds the cells of that agency, a region's the cells of every region within it (the one
region rule, A4.1): a SUM is the totals added, a MEAN the totals over the counts (none without any). docs/indicators.md
defines each indicator in words; the names are fixed (the console and exports read them).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Fold(StrEnum):
    sum = "sum"
    mean = "mean"


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    requirement: str
    fold: Fold


INDICATORS: tuple[Indicator, ...] = (
    Indicator("catalogue_entries_published", "entries", "A14.1", Fold.sum),
    Indicator("catalogue_coverage", "ratio", "A14.1", Fold.mean),
    Indicator("catalogue_updates_overdue", "change notices", "A14.2", Fold.sum),
    Indicator("share_response_days_mean", "working days", "A20.2", Fold.mean),
    Indicator("share_reviews_overdue", "reviews", "A20.2", Fold.sum),
    Indicator("open_response_days_mean", "working days", "A24.2", Fold.mean),
    Indicator("open_replies_overdue", "applications", "A24.2", Fold.sum),
    Indicator("error_reports", "reports", "A26.1", Fold.sum),
    Indicator("error_reports_answered", "reports", "A26.1", Fold.sum),
    Indicator("demands", "demands", "A27.1", Fold.sum),
    Indicator("demands_answered", "demands", "A27.1", Fold.sum),
    Indicator("quality_score_mean", "score (0-100)", "A25.1", Fold.mean),
    Indicator("legacy_channels_remaining", "channels", "A12.1", Fold.sum),
    Indicator("security_events", "events", "A28.1", Fold.sum),
    Indicator("exchanges_out_requests", "requests", "A12.1", Fold.sum),
    Indicator("exchanges_out_rows", "rows", "A12.1", Fold.sum),
    Indicator("exchanges_in_requests", "requests", "A12.1", Fold.sum),
    Indicator("exchanges_in_rows", "rows", "A12.1", Fold.sum),
)
BY_NAME = {indicator.name: indicator for indicator in INDICATORS}
# Means are shown to four decimal places: a day's fraction, a coverage's percentage point, a score's hundredth.
MEAN_DECIMALS = 4
