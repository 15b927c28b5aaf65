"""The indicator system through the gateway on the real PostgreSQL and Kafka (A32.1): every indicator of every agency
and region of the scenario (tests/supervision/scenario.py), for the running quarter beside the last one, which was
kept when it closed; then who reads what (A4.1, A15.2), and bad input.

supervision-svc starts on 25 Jun 2026 (2026Q2 running: 2026Q1 closed before it began keeping, and is never kept),
every producer's events are published, and its clock moves to Mon 17 Aug 2026 10:00: it keeps 2026Q2, and 2026Q3 is
read as of that moment. An error report on B dated 28 Jun arrives after 2026Q2 was kept, and must not rewrite it.

The table below was worked out by hand from the scenario, never read from the service: per indicator, the values
of A, B, C, D (agencies), 320200, 320205, 320206 (regions, each over every region within it) for each quarter.
Response days are working days on the State Council's 2026 schedule (Dragon Boat Festival 19–21 Jun, Labour Day
1–5 May with Sat 9 May worked).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]
from supervision.scenario import CITY, HUISHAN, XISHAN, Agencies, events, late_report
from supervision.world import World, local, supervision_world

from harness import Infra, Keys, assert_problem, eventually, rows

pytestmark = pytest.mark.integration

START, READ_ON = local(6, 25), local(8, 17, 10)
N = None
Row = tuple[float | None, ...]  # A, B, C, D, 320200, 320205, 320206
NO_SUM: Row = (0, 0, 0, 0, 0, 0, 0)
NO_MEAN: Row = (N, N, N, N, N, N, N)
NO_COVERAGE: Row = (0, 0, 0, 0, 0, 0, 0)  # Q1 is made live: today's four agencies, none with an entry then

EXPECTED: dict[str, dict[str, Row]] = {
    # Entries first published before the quarter's end: Q3 A eA1 (Apr) + eA2, B eB1, C eC1 (2 Jul); Q2 A eA1, B eB1.
    "catalogue_entries_published": {"2026Q3": (2, 1, 1, 0, 4, 1, 0), "2026Q2": (1, 1, 0, 0, 2, 0, 0), "2026Q1": NO_SUM},
    # Agencies with an entry over agencies: the city holds all four (3 of 4, then 2 of 4).
    "catalogue_coverage": {"2026Q3": (1, 1, 1, 0, 3 / 4, 1, 0), "2026Q2": (1, 1, 0, 0, 2 / 4, 0, 0),
                           "2026Q1": NO_COVERAGE},
    # Notices due 30 Jun (A) and 10 Aug (C) became overdue in Q3; the one due 29 Jun on 30 Jun, in Q2.
    "catalogue_updates_overdue": {"2026Q3": (1, 0, 1, 0, 2, 1, 0), "2026Q2": (1, 0, 0, 0, 1, 0, 0),
                                  "2026Q1": NO_SUM},
    # Q3 decisions: A s1 3 and s2 2 days, B s5 3, C s3 0; the city (3+2+3+0)/4. Q2: A s4 3.
    "share_response_days_mean": {"2026Q3": (2.5, 3, 0, N, 8 / 4, 0, N), "2026Q2": (3, N, N, N, 3, N, N),
                                 "2026Q1": NO_MEAN},
    # Q3: B's provider review, the bureau's review of the same application (the city's, no agency's), C's due 30 Jun.
    "share_reviews_overdue": {"2026Q3": (0, 1, 1, 0, 3, 1, 0), "2026Q2": (1, 0, 0, 0, 1, 0, 0), "2026Q1": NO_SUM},
    # Q3: C o1 9 and o2 2 days. Q2: A o3 5 (over Labour Day).
    "open_response_days_mean": {"2026Q3": (N, N, 11 / 2, N, 11 / 2, 11 / 2, N), "2026Q2": (5, N, N, N, 5, N, N),
                                "2026Q1": NO_MEAN},
    "open_replies_overdue": {"2026Q3": (0, 0, 1, 0, 1, 1, 0), "2026Q2": (1, 0, 0, 0, 1, 0, 0), "2026Q1": NO_SUM},
    # Q3: A two (2, 20 Jul), D one (16 Aug); Q2: C one (25 Jun). B's late report of 28 Jun does not count: Q2 is kept.
    "error_reports": {"2026Q3": (2, 0, 0, 1, 3, 0, 1), "2026Q2": (0, 0, 1, 0, 1, 1, 0), "2026Q1": NO_SUM},
    # Q3 answers: A's of 6 Jul, C's of 8 Jul (reported in Q2), D's of 17 Aug 09:00.
    "error_reports_answered": {"2026Q3": (1, 0, 1, 1, 3, 1, 1), "2026Q2": NO_SUM, "2026Q1": NO_SUM},
    # A demand naming no agency is the city's alone (d1–d3), one naming an agency its and its regions' (A27.1).
    # Q3 made: d1, d2 (the city's), d4 (C, Xishan). Q2: d3 (the city's), d5 (A: its answer named A in Q3, before Q2
    # was kept).
    "demands": {"2026Q3": (0, 0, 1, 0, 3, 1, 0), "2026Q2": (1, 0, 0, 0, 2, 0, 0), "2026Q1": NO_SUM},
    # Q3 answers: d1 15 Jul and d3 3 Jul (the city's), d4 5 Aug (C), d5 20 Jul (A).
    "demands_answered": {"2026Q3": (1, 0, 1, 0, 4, 1, 0), "2026Q2": NO_SUM, "2026Q1": NO_SUM},
    # Each dataset's latest score: Q3 A eA1 89 and eA2 67, C eC1 56 (its 100 of 20 Aug is after the reading); Q2 A 78.
    "quality_score_mean": {"2026Q3": (78, N, 56, N, 212 / 3, 56, N), "2026Q2": (78, N, N, N, 78, N, N),
                           "2026Q1": NO_MEAN},
    # Q3: B's and D's registered; A's integrated 20 Jul, C's retired 1 Aug. Q2: A's integrating, B's registered.
    "legacy_channels_remaining": {"2026Q3": (0, 1, 0, 1, 2, 0, 1), "2026Q2": (1, 1, 0, 0, 2, 0, 0),
                                  "2026Q1": NO_SUM},
    # An anonymous caller's event is no agency's and no region's.
    "security_events": {"2026Q3": (2, 0, 1, 0, 3, 1, 0), "2026Q2": (1, 0, 0, 0, 1, 0, 0), "2026Q1": NO_SUM},
    # Q3 pairs: B from A 2 requests 150 rows (a refused one not counted), C from A 1/10, A from C 2/5 (A's own entry
    # not counted). Q2: B from A 1/7.
    "exchanges_out_requests": {"2026Q3": (2, 2, 1, 0, 5, 1, 0), "2026Q2": (0, 1, 0, 0, 1, 0, 0), "2026Q1": NO_SUM},
    "exchanges_out_rows": {"2026Q3": (5, 150, 10, 0, 165, 10, 0), "2026Q2": (0, 7, 0, 0, 7, 0, 0), "2026Q1": NO_SUM},
    "exchanges_in_requests": {"2026Q3": (3, 0, 2, 0, 5, 2, 0), "2026Q2": (1, 0, 0, 0, 1, 0, 0), "2026Q1": NO_SUM},
    "exchanges_in_rows": {"2026Q3": (160, 0, 5, 0, 165, 5, 0), "2026Q2": (7, 0, 0, 0, 7, 0, 0), "2026Q1": NO_SUM},
}  # fmt: skip


@pytest.fixture(scope="module")
async def world(infra: Infra, keys: Keys) -> AsyncIterator[tuple[World, Agencies]]:
    agencies = Agencies()
    async with supervision_world(infra, keys, START) as world:
        await world.publish(*events(agencies))
        await world.caller("inspector", "operator", ["inspector"])
        await world.caller("district", "operator", ["reviewer"], region=XISHAN)
        for role in ("agency_officer", "agency_admin"):
            await world.caller(role, "agency_person", [role], agency_id=str(agencies.a))
        await world.caller("system", "agency_system", ["agency_system"], agency_id=str(agencies.a))
        world.clock.now = READ_ON
        kept = "SELECT period FROM kept_periods WHERE period = '2026Q2'"
        await eventually(lambda: rows(world.database, kept))
        await world.publish(late_report(agencies))
        yield world, agencies


@pytest.fixture(scope="module")
async def readings(world: tuple[World, Agencies]) -> dict[str, dict[str, Any]]:
    """The city inspector's readings of Q3 (beside Q2) and Q2 (beside Q1)."""
    w, _ = world
    return {period: await w.read("/indicators", "inspector", period=period) for period in ("2026Q3", "2026Q2")}


def _values(found: dict[str, Any], agencies: Agencies, indicator: str, member: str) -> Row:
    by_agency = {uuid.UUID(a["agency_id"]): a["indicators"][indicator][member] for a in found["agencies"]}
    by_region = {r["region_code"]: r["indicators"][indicator][member] for r in found["regions"]}
    return (*(by_agency[a] for a in (agencies.a, agencies.b, agencies.c, agencies.d)),
            *(by_region[r] for r in (CITY, XISHAN, HUISHAN)))  # fmt: skip


def _approx(row: Row) -> tuple[Any, ...]:
    return tuple(None if value is None else pytest.approx(value, abs=1e-4) for value in row)


def check(readings: dict[str, dict[str, Any]], world: tuple[World, Agencies], indicator: str) -> None:
    """The indicator's values and previous values in Q3 and Q2 are the table's, for every agency and region."""
    _, agencies = world
    expected = EXPECTED[indicator]
    for period, previous in (("2026Q3", "2026Q2"), ("2026Q2", "2026Q1")):
        found = readings[period]
        assert (found["period"], found["previous_period"]) == (period, previous)
        assert _values(found, agencies, indicator, "value") == _approx(expected[period]), period
        assert _values(found, agencies, indicator, "previous") == _approx(expected[previous]), period


async def test_entries_published_count_those_first_published_before_the_end_A14_1(readings: Any, world: Any) -> None:
    check(readings, world, "catalogue_entries_published")


async def test_coverage_is_the_share_of_a_regions_agencies_with_a_published_entry_A14_1(
    readings: Any, world: Any
) -> None:
    check(readings, world, "catalogue_coverage")


async def test_overdue_updates_count_change_notices_in_the_quarter_they_became_overdue_A14_2(
    readings: Any, world: Any
) -> None:
    check(readings, world, "catalogue_updates_overdue")


async def test_share_response_is_the_mean_of_working_days_to_the_providers_decision_A20_2(
    readings: Any, world: Any
) -> None:
    check(readings, world, "share_response_days_mean")


async def test_overdue_reviews_count_the_providers_against_it_and_the_bureaus_against_its_region_A20_2(
    readings: Any, world: Any
) -> None:
    check(readings, world, "share_reviews_overdue")


async def test_open_response_is_the_mean_of_working_days_to_the_collecting_agencys_answer_A24_2(
    readings: Any, world: Any
) -> None:
    check(readings, world, "open_response_days_mean")


async def test_overdue_open_replies_count_answers_past_their_ten_working_days_A24_2(readings: Any, world: Any) -> None:
    check(readings, world, "open_replies_overdue")


async def test_error_reports_count_those_made_in_the_quarter_A26_1(readings: Any, world: Any) -> None:
    check(readings, world, "error_reports")


async def test_answered_error_reports_count_the_answers_given_in_the_quarter_A26_1(readings: Any, world: Any) -> None:
    check(readings, world, "error_reports_answered")


async def test_demands_count_for_the_agency_they_name_and_its_regions_or_for_the_city_alone_A27_1_A32_1(
    readings: Any, world: Any
) -> None:
    check(readings, world, "demands")


async def test_answered_demands_count_the_bureaus_answers_in_the_quarter_per_agency_and_region_A27_1_A32_1(
    readings: Any, world: Any
) -> None:
    check(readings, world, "demands_answered")


async def test_quality_is_the_mean_of_each_datasets_score_as_the_quarter_ended_A25_1(readings: Any, world: Any) -> None:
    check(readings, world, "quality_score_mean")


async def test_legacy_channels_remaining_are_those_registered_or_integrating_as_the_quarter_ended_A12_1(
    readings: Any, world: Any
) -> None:
    check(readings, world, "legacy_channels_remaining")


async def test_security_events_count_an_agencys_callers_events_A28_1(readings: Any, world: Any) -> None:
    check(readings, world, "security_events")


async def test_exchanges_out_count_an_agencys_requests_for_other_agencies_data_A12_1(readings: Any, world: Any) -> None:
    check(readings, world, "exchanges_out_requests")
    check(readings, world, "exchanges_out_rows")


async def test_exchanges_in_count_other_agencies_requests_for_an_agencys_data_A12_1(readings: Any, world: Any) -> None:
    check(readings, world, "exchanges_in_requests")
    check(readings, world, "exchanges_in_rows")


def test_the_table_covers_every_indicator_the_service_answers_A32_1(readings: dict[str, dict[str, Any]]) -> None:
    for found in readings.values():
        for entry in (*found["agencies"], *found["regions"]):
            assert set(entry["indicators"]) == set(EXPECTED)
    units = {name: figure["unit"] for name, figure in readings["2026Q3"]["regions"][0]["indicators"].items()}
    assert units["share_response_days_mean"] == units["open_response_days_mean"] == "working days"
    requirements = {name: f["requirement"] for name, f in readings["2026Q3"]["regions"][0]["indicators"].items()}
    assert (requirements["catalogue_updates_overdue"], requirements["security_events"]) == ("A14.2", "A28.1")


async def test_a_closed_quarter_is_kept_as_it_closed_and_a_late_event_does_not_rewrite_it_A32_1(
    world: tuple[World, Agencies], readings: dict[str, dict[str, Any]]
) -> None:
    w, agencies = world
    # The late report is held (its event applied), yet Q2 reads as kept.
    late = await rows(w.database, "SELECT count(*) FROM error_reports WHERE agency_id = $1", agencies.b)
    assert late[0][0] == 1
    again = await w.read("/indicators", "inspector", period="2026Q2")
    assert again == readings["2026Q2"]
    periods = await w.read("/indicators/periods", "inspector")
    assert periods["current_period"] == "2026Q3"
    # From the earliest fact's quarter (a legacy channel registered on 1 Apr) on.
    assert [(p["period"], p["closed"], p["first_day"], p["last_day"]) for p in periods["periods"]] == [
        ("2026Q2", True, "2026-04-01", "2026-06-30"),
        ("2026Q3", False, "2026-07-01", "2026-09-30"),
    ]
    # Without a period: the current one.
    assert (await w.read("/indicators", "inspector"))["period"] == "2026Q3"


async def test_exchanges_by_agency_pair_with_names_in_each_scope_A12_1(world: tuple[World, Agencies]) -> None:
    w, g = world

    def pairs(found: dict[str, Any]) -> set[tuple[str, str, int, int]]:
        return {(p["consumer_agency_name"], p["provider_agency_name"], p["requests"], p["rows"])
                for p in found["pairs"]}  # fmt: skip

    a, b, c = g.names[g.a], g.names[g.b], g.names[g.c]
    everything = {(b, a, 2, 150), (c, a, 1, 10), (a, c, 2, 5)}
    assert pairs(await w.read("/indicators/exchanges", "inspector")) == everything
    assert pairs(await w.read("/indicators/exchanges", "inspector", period="2026Q2")) == {(b, a, 1, 7)}
    assert pairs(await w.read("/indicators/exchanges", "district")) == {(c, a, 1, 10), (a, c, 2, 5)}
    assert pairs(await w.read("/indicators/exchanges", "agency_officer")) == everything
    assert pairs(await w.read("/indicators/exchanges", "inspector", agency=str(g.b))) == {(b, a, 2, 150)}


async def test_a_districts_operator_reads_its_district_and_is_refused_the_city_and_a_sibling_A4_1(
    world: tuple[World, Agencies],
) -> None:
    w, g = world
    own = await w.read("/indicators", "district")
    assert [uuid.UUID(a["agency_id"]) for a in own["agencies"]] == [g.c]
    assert [r["region_code"] for r in own["regions"]] == [XISHAN]
    assert own == await w.read("/indicators", "district", region=XISHAN)
    for params in ({"region": CITY}, {"region": HUISHAN}, {"agency": str(g.a)}, {"agency": str(g.d)}):
        for path in ("/indicators", "/indicators/exchanges", "/indicators/export"):
            refused = await w.get(path, "district", format="csv", **params)
            assert assert_problem(refused, 403)["requirement"] == "A4.1", (path, params)
    # The city's inspector names a district, or one agency.
    district = await w.read("/indicators", "inspector", region=XISHAN)
    assert district["agencies"] == own["agencies"]
    one = await w.read("/indicators", "inspector", agency=str(g.d))
    assert ([a["agency_name"] for a in one["agencies"]], one["regions"]) == ([g.names[g.d]], [])


@pytest.mark.parametrize("person", ["agency_officer", "agency_admin"])
async def test_an_agencys_people_read_their_own_agency_only_A15_2(world: tuple[World, Agencies], person: str) -> None:
    w, g = world
    own = await w.read("/indicators", person)
    assert ([uuid.UUID(a["agency_id"]) for a in own["agencies"]], own["regions"]) == ([g.a], [])
    for params in ({"agency": str(g.b)}, {"region": CITY}):
        refused = await w.get("/indicators", person, **params)
        assert assert_problem(refused, 403)["requirement"] == "A15.2", params
    # The agency's own systems exchange data; they are not let in (the gateway's table, A12.1).
    assert_problem(await w.get("/indicators", "system"), 403)


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/indicators", {"period": "2026Q5"}, "query.period"),
        ("/indicators", {"period": "2026Q4"}, "query.period"),  # not begun on 17 Aug
        ("/indicators", {"region": "310100"}, "query.region"),  # Shanghai: no agency of the hub lies there
        ("/indicators", {"region": "32020"}, "query.region"),
        ("/indicators/exchanges", {"agency": str(uuid.UUID(int=7))}, "query.agency"),
        ("/indicators/export", {"format": "pdf"}, "query.format"),
        ("/indicators/export", {}, "query.format"),
    ],
)
async def test_bad_input_is_a_problem_naming_the_field(
    world: tuple[World, Agencies], path: str, params: dict[str, str], field: str
) -> None:
    w, _ = world
    problem = assert_problem(await w.get(path, "inspector", **params), 422)
    assert field in [error["field"] for error in problem["errors"]]


HEADER = ["period", "level", "region_code", "agency_id", "name", "counterpart_agency_id", "counterpart_name",
          "indicator", "value", "previous", "unit", "requirement"]  # fmt: skip


async def _export(w: World, caller: str, file_format: str, **params: str) -> bytes:
    response = await w.get("/indicators/export", caller, format=file_format, **params)
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == f'attachment; filename="indicators-2026Q3.{file_format}"'
    return response.content


async def test_the_csv_export_holds_every_figure_with_the_previous_one_and_neutralises_formulas_A32_1(
    world: tuple[World, Agencies],
) -> None:
    w, g = world
    content = await _export(w, "inspector", "csv")
    assert content.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(content.decode().removeprefix("\ufeff"))))
    assert table[0] == HEADER
    # 4 agencies and 3 regions by 18 indicators, then 3 pairs by requests and rows.
    assert len(table) - 1 == 7 * len(EXPECTED) + 3 * 2
    by_key = {(r[1], r[3] or r[2], r[7]): r for r in table[1:] if r[1] != "pair"}
    b_share = by_key[("agency", str(g.b), "share_response_days_mean")]
    assert b_share[:5] == ["2026Q3", "agency", CITY, str(g.b), g.names[g.b]]
    assert b_share[7:] == ["share_response_days_mean", "3.0", "", "working days", "A20.2"]
    city_quality = by_key[("region", CITY, "quality_score_mean")]
    assert (city_quality[8], city_quality[9]) == (str(round(212 / 3, 4)), "78.0")
    # D's name starts like a formula: a spreadsheet shows it as text (hub.spreadsheets).
    assert by_key[("agency", str(g.d), "security_events")][4] == "'" + g.names[g.d]
    pairs = {(r[3], r[5], r[7]): r[8] for r in table[1:] if r[1] == "pair"}
    assert pairs[(str(g.b), str(g.a), "requests")] == "2"
    assert pairs[(str(g.b), str(g.a), "rows")] == "150"


async def test_the_xlsx_export_reads_back_as_the_csv_with_numbers_as_numbers_A32_1(
    world: tuple[World, Agencies],
) -> None:
    w, g = world
    sheet = load_workbook(io.BytesIO(await _export(w, "inspector", "xlsx")), read_only=True).active
    assert sheet is not None
    table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0] == HEADER
    text = list(csv.reader(io.StringIO((await _export(w, "inspector", "csv")).decode().removeprefix("\ufeff"))))
    assert [["" if v is None else str(v) for v in row] for row in table] == text
    a_published = next(r for r in table if r[3] == str(g.a) and r[7] == "catalogue_entries_published")
    assert (a_published[8], a_published[9]) == (2, 1)
    assert next(r for r in table if r[3] == str(g.d))[4] == "'" + g.names[g.d]


async def test_a_districts_export_holds_its_own_figures_only_A4_1(world: tuple[World, Agencies]) -> None:
    w, g = world
    table = list(csv.reader(io.StringIO((await _export(w, "district", "csv")).decode().removeprefix("\ufeff"))))
    assert {r[2] for r in table[1:] if r[1] != "pair"} == {XISHAN}
    assert {r[3] for r in table[1:] if r[1] == "agency"} == {str(g.c)}
    assert {(r[3], r[5]) for r in table[1:] if r[1] == "pair"} == {(str(g.c), str(g.a)), (str(g.a), str(g.c))}
