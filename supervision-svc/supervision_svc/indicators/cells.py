"""Figures as cells, and how cells fold into an agency's or a region's value, as pure functions (A32.1, A4.1).

A period's figures are its cells, its roster (the agencies of the registry, with their regions) and its exchanges
by agency pair: made live from the facts while the period runs or has not been kept, read back from the snapshot
once kept. Folding is the same either way, so a kept period reads as it was made.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from hub.regions import is_city, region_contains
from hub.workdays import CalendarNotCovered, WorkingCalendar
from supervision_svc.indicators.definitions import BY_NAME, MEAN_DECIMALS, Fold


@dataclass(frozen=True)
class Cell:
    """Part of an indicator's figure: of an agency (or none: the bureau's, or a demand's naming no agency) in a region
    (or none: a demand naming no agency, which is the city's, A27.1)."""

    indicator: str
    agency_id: uuid.UUID | None
    region_code: str | None
    total: float
    count: int


@dataclass(frozen=True)
class RosterAgency:
    agency_id: uuid.UUID
    name: str
    region_code: str


@dataclass(frozen=True)
class Pair:
    """Exchanges of data from a provider agency's entries to a consuming agency (A12.1)."""

    consumer_agency_id: uuid.UUID
    provider_agency_id: uuid.UUID
    requests: int
    rows: int


@dataclass
class Figures:
    """A period's figures: what the indicators, the exchanges and the export are read from."""

    roster: Sequence[RosterAgency]
    cells: Sequence[Cell]
    pairs: Sequence[Pair]
    # Cells by indicator and agency, and by indicator and region: a value folds one group, or a region's few.
    _by_agency: dict[tuple[str, uuid.UUID | None], list[Cell]] = field(default_factory=dict, init=False, repr=False)
    _by_region: dict[str, dict[str | None, list[Cell]]] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        by_agency: dict[tuple[str, uuid.UUID | None], list[Cell]] = defaultdict(list)
        by_region: dict[str, dict[str | None, list[Cell]]] = defaultdict(lambda: defaultdict(list))
        for cell in self.cells:
            by_agency[cell.indicator, cell.agency_id].append(cell)
            by_region[cell.indicator][cell.region_code].append(cell)
        self._by_agency, self._by_region = dict(by_agency), dict(by_region)

    def agency_value(self, indicator: str, agency_id: uuid.UUID) -> float | None:
        """The agency's value; None for a mean without facts."""
        return fold(indicator, self._by_agency.get((indicator, agency_id), ()))

    def region_value(self, indicator: str, region_code: str) -> float | None:
        """The region's value, over the cells of every region within it (A4.1); a cell of no region is the city's."""
        regions = self._by_region.get(indicator, {})
        return fold(indicator, [c for code, cells in regions.items() if in_region(code, region_code) for c in cells])

    def regions(self) -> set[str]:
        """Every region the figures hold something of."""
        return {a.region_code for a in self.roster} | {c.region_code for c in self.cells if c.region_code}


def in_region(cell_region: str | None, region_code: str) -> bool:
    """Whether a cell of `cell_region` counts for the region: its region lies within it; a cell of no region counts
    for the city."""
    if cell_region is None:
        return is_city(region_code)
    return region_contains(region_code, cell_region)


def fold(indicator: str, cells: Iterable[Cell]) -> float | None:
    """The value of some cells of an indicator: their totals added (SUM), or over their counts (MEAN, None without
    any); a mean is rounded to MEAN_DECIMALS places, a sum of whole facts is whole."""
    total, count = 0.0, 0
    for cell in cells:
        total, count = total + cell.total, count + cell.count
    if BY_NAME[indicator].fold == Fold.sum:
        return int(total) if total.is_integer() else total
    return round(total / count, MEAN_DECIMALS) if count else None


def working_days(calendar: WorkingCalendar, start: date, end: date) -> int:
    """Working days in (start, end] on the hub's calendar (0 when end is not after start): an answer the day it was
    asked took none. Days of a year the calendar does not cover count when they are Monday to Friday, as deadlines
    count them (hub.deadlines)."""
    count, day = 0, start
    while day < end:
        day = date.fromordinal(day.toordinal() + 1)
        try:
            working = calendar.is_working_day(day)
        except CalendarNotCovered:
            working = day.weekday() < 5
        count += working
    return count


def pair_cells(pairs: Iterable[Pair], roster: Iterable[RosterAgency]) -> list[Cell]:
    """The exchange indicators' cells: each pair's requests and rows out of its consuming agency and into its
    providing agency, each in its agency's region."""
    regions = {a.agency_id: a.region_code for a in roster}
    cells: list[Cell] = []
    for pair in pairs:
        consumer, provider = regions[pair.consumer_agency_id], regions[pair.provider_agency_id]
        cells += [
            Cell("exchanges_out_requests", pair.consumer_agency_id, consumer, pair.requests, pair.requests),
            Cell("exchanges_out_rows", pair.consumer_agency_id, consumer, pair.rows, pair.rows),
            Cell("exchanges_in_requests", pair.provider_agency_id, provider, pair.requests, pair.requests),
            Cell("exchanges_in_rows", pair.provider_agency_id, provider, pair.rows, pair.rows),
        ]
    return cells


def coverage_cells(roster: Iterable[RosterAgency], publishing: set[uuid.UUID]) -> list[Cell]:
    """One cell per agency of the registry: 1 when it has an entry published, else 0, in its own region; a region's
    coverage is then the share of its agencies with one (A14.1)."""
    return [Cell("catalogue_coverage", a.agency_id, a.region_code, float(a.agency_id in publishing), 1)
            for a in roster]  # fmt: skip
