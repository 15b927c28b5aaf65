"""How an indicator's cells fold into an agency's and a region's value, as pure functions (A32.1, A4.1), and the
working days an answer took on the hub's calendar (A20.2, A24.2)."""

from __future__ import annotations

import uuid
from datetime import date

from hub.workdays import CalendarOverrides, WorkingCalendar
from supervision_svc.indicators.cells import Cell, Figures, Pair, RosterAgency, coverage_cells, pair_cells, working_days

CITY, XISHAN, HUISHAN = "320200", "320205", "320206"
A, B, C = uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)
ROSTER = [RosterAgency(A, "市公安局", CITY), RosterAgency(B, "锡山区民政局", XISHAN),
          RosterAgency(C, "惠山区水利局", HUISHAN)]  # fmt: skip


def test_a_sum_adds_the_cells_of_the_agency_or_of_every_region_within_the_region_A4_1() -> None:
    cells = [Cell("error_reports", A, CITY, 2, 2), Cell("error_reports", B, XISHAN, 3, 3),
             Cell("error_reports", C, HUISHAN, 1, 1), Cell("security_events", A, CITY, 9, 9)]  # fmt: skip
    figures = Figures(ROSTER, cells, [])
    assert [figures.agency_value("error_reports", agency) for agency in (A, B, C)] == [2, 3, 1]
    assert [figures.region_value("error_reports", region) for region in (CITY, XISHAN, HUISHAN)] == [6, 3, 1]
    # Nothing counted is zero; a region outside the city's has nothing of it.
    assert figures.agency_value("catalogue_updates_overdue", A) == 0
    assert figures.region_value("error_reports", "310100") == 0


def test_a_mean_divides_the_totals_by_the_counts_and_is_none_without_any_A32_1() -> None:
    # A answered twice in 3 and 2 working days; B once in 0; the city's mean is over all three answers.
    cells = [Cell("share_response_days_mean", A, CITY, 5, 2), Cell("share_response_days_mean", B, XISHAN, 0, 1)]
    figures = Figures(ROSTER, cells, [])
    assert (figures.agency_value("share_response_days_mean", A), figures.agency_value("share_response_days_mean", B),
            figures.agency_value("share_response_days_mean", C)) == (2.5, 0.0, None)  # fmt: skip
    assert figures.region_value("share_response_days_mean", CITY) == round(5 / 3, 4) == 1.6667
    assert figures.region_value("share_response_days_mean", HUISHAN) is None


def test_coverage_is_one_or_zero_per_agency_and_the_share_of_a_regions_agencies_with_an_entry_A14_1() -> None:
    figures = Figures(ROSTER, coverage_cells(ROSTER, {A, B}), [])
    assert [figures.agency_value("catalogue_coverage", agency) for agency in (A, B, C)] == [1.0, 1.0, 0.0]
    assert figures.region_value("catalogue_coverage", CITY) == round(2 / 3, 4)
    assert figures.region_value("catalogue_coverage", XISHAN) == 1.0
    assert figures.region_value("catalogue_coverage", HUISHAN) == 0.0


def test_a_demand_naming_no_agency_is_the_citys_alone_one_naming_an_agency_its_and_its_regions_A27_1_A32_1() -> None:
    cells = [Cell("demands", None, None, 4, 4), Cell("demands", B, XISHAN, 2, 2), Cell("demands", A, CITY, 1, 1)]
    figures = Figures(ROSTER, cells, [])
    # The city holds its own, its agencies' and its districts'; a district its agencies' alone.
    assert [figures.region_value("demands", region) for region in (CITY, XISHAN, HUISHAN)] == [7, 2, 0]
    assert [figures.agency_value("demands", agency) for agency in (A, B, C)] == [1, 2, 0]


def test_a_pair_counts_out_of_its_consumer_and_into_its_provider_each_in_its_region_A12_1() -> None:
    figures = Figures(ROSTER, pair_cells([Pair(B, A, 2, 150), Pair(C, A, 1, 10)], ROSTER), [])
    assert (figures.agency_value("exchanges_out_requests", B), figures.agency_value("exchanges_out_rows", C)) == (2, 10)
    assert (figures.agency_value("exchanges_in_requests", A), figures.agency_value("exchanges_in_rows", A)) == (3, 160)
    assert figures.region_value("exchanges_out_rows", CITY) == 160
    assert figures.region_value("exchanges_in_rows", XISHAN) == 0


def test_working_days_skip_weekends_and_holidays_and_count_adjusted_working_days_A24_2() -> None:
    calendar = WorkingCalendar()
    # 2026 Labour Day: 1–5 May off, Saturday 9 May worked (State Council's 2026 schedule).
    assert working_days(calendar, date(2026, 4, 28), date(2026, 5, 8)) == 5  # 29, 30 Apr; 6, 7, 8 May
    assert working_days(calendar, date(2026, 5, 8), date(2026, 5, 11)) == 2  # Sat 9 May worked, Mon 11
    assert working_days(calendar, date(2026, 8, 3), date(2026, 8, 3)) == 0  # answered the day it was asked
    assert working_days(calendar, date(2026, 8, 5), date(2026, 8, 3)) == 0


def test_days_of_a_year_the_calendar_does_not_cover_count_monday_to_friday_A20_2() -> None:
    calendar = WorkingCalendar(CalendarOverrides())
    # 2099 is in no source: Thursday 1 to Tuesday 6 January is Fri 2, Mon 5, Tue 6.
    assert working_days(calendar, date(2099, 1, 1), date(2099, 1, 6)) == 3
