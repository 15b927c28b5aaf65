"""The metadata quality score's rules (A25.1), against scores worked out by hand from udata's published rules
(opendatateam/udata: one point per criterion of nine; description longer than 100 characters; next update at most
one day late, udata's periods) and data.europa.eu MQA's published weights (405 points in five dimensions)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import Category, ItemType, OpenType, UpdateCycle
from open_svc.quality.rules import DatasetFacts, mqa_indicators, mqa_points, mqa_rating, udata_criteria, udata_score

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
KEY = DataItemSpec(name="record_no", label="记录编号", data_type=ItemType.string, key=True)
PAID_ON = DataItemSpec(name="paid_on", label="缴费日期", data_type=ItemType.date)

# An unconditionally open dataset with everything: a long summary, a date item, records updated 10 days ago on a
# monthly cycle, a category, a known publisher, the city's licence (not an EU licence authority URI).
COMPLETE = DatasetFacts(
    name="社会保险缴费记录", summary="缴" * 120, open_type=OpenType.unconditional, open_conditions=None,
    category=Category.theme, region_code="320200", update_cycle=UpdateCycle.monthly, items=(KEY, PAID_ON),
    published_at=NOW - timedelta(days=90), records=5, last_record_update=NOW - timedelta(days=10),
    publisher_known=True, licence_title="公共数据开放许可协议", licence_url=None,
)  # fmt: skip
# Open on conditions, with no records yet, no date item, no category, a summary of exactly 100 characters, published
# 3 days ago on a daily cycle, an unknown publisher, and CC BY 4.0 from the EU licence authority.
SPARSE = DatasetFacts(
    name="企业参保人数", summary="参" * 100, open_type=OpenType.conditional, open_conditions="签订开放利用协议。",
    category=None, region_code="320200", update_cycle=UpdateCycle.daily, items=(KEY,),
    published_at=NOW - timedelta(days=3), records=0, last_record_update=None, publisher_known=False,
    licence_title="CC BY 4.0", licence_url="http://publications.europa.eu/resource/authority/licence/CC_BY_4_0",
)  # fmt: skip


def met(facts: DatasetFacts, now: datetime = NOW) -> dict[str, bool]:
    return {c.id: c.met for c in udata_criteria(facts, now)}


def test_udata_scores_a_complete_dataset_nine_of_nine_A25_1() -> None:
    criteria = udata_criteria(COMPLETE, NOW)
    assert [c.id for c in criteria] == [
        "license", "temporal_coverage", "spatial", "update_frequency", "update_fulfilled_in_time",
        "dataset_description_quality", "has_open_format", "all_resources_available", "resources_documentation",
    ]  # fmt: skip
    assert all(c.met for c in criteria)
    assert udata_score(criteria) == 1.0


def test_udata_scores_a_sparse_dataset_three_of_nine_A25_1() -> None:
    # Licence, spatial coverage, frequency: 3 points. Temporal: no date item. On time: published 3 days ago, daily,
    # so expected 2 days ago (more than one day late). Description: 100 characters is not longer than 100. No
    # records, so no resources and none of the three resource points.
    assert met(SPARSE) == {
        "license": True, "temporal_coverage": False, "spatial": True, "update_frequency": True,
        "update_fulfilled_in_time": False, "dataset_description_quality": False, "has_open_format": False,
        "all_resources_available": False, "resources_documentation": False,
    }  # fmt: skip
    assert udata_score(udata_criteria(SPARSE, NOW)) == pytest.approx(3 / 9)


def test_udata_allows_an_update_one_day_late_and_not_a_second_more_A25_1() -> None:
    # Daily: the next update is due a day after the last; udata counts it on time while at most one day past due.
    last = NOW - timedelta(days=2)
    assert met(replace(COMPLETE, update_cycle=UpdateCycle.daily, last_record_update=last))["update_fulfilled_in_time"]
    late = last - timedelta(seconds=1)
    assert not met(replace(COMPLETE, update_cycle=UpdateCycle.daily, last_record_update=late))[
        "update_fulfilled_in_time"
    ]


@pytest.mark.parametrize(
    ("cycle", "days_on_time", "days_late"),
    [
        (UpdateCycle.weekly, 8, 9),  # 7 days, one late
        (UpdateCycle.monthly, 32, 33),  # udata: a month is 31 days
        (UpdateCycle.quarterly, 94, 95),  # 3 × 31
        (UpdateCycle.half_yearly, 366, 367),  # udata's "semiannual": due within the year
        (UpdateCycle.yearly, 366, 367),
    ],
)
def test_udata_update_periods_are_udatas_A25_1(cycle: UpdateCycle, days_on_time: int, days_late: int) -> None:
    def on_time(days: int) -> bool:
        facts = replace(COMPLETE, update_cycle=cycle, last_record_update=NOW - timedelta(days=days))
        return met(facts)["update_fulfilled_in_time"]

    assert (on_time(days_on_time), on_time(days_late)) == (True, False)


@pytest.mark.parametrize("cycle", [UpdateCycle.real_time, UpdateCycle.irregular])
def test_udata_counts_a_frequency_without_a_period_as_on_time_A25_1(cycle: UpdateCycle) -> None:
    stale = replace(COMPLETE, update_cycle=cycle, last_record_update=NOW - timedelta(days=3650))
    assert met(stale)["update_fulfilled_in_time"]


def test_udata_reads_the_last_update_from_the_records_else_from_the_publication_A25_1() -> None:
    # Monthly, published 90 days ago, records 10 days old: on time; without records it is the publication's age.
    assert met(COMPLETE)["update_fulfilled_in_time"]
    assert not met(replace(COMPLETE, records=0, last_record_update=None))["update_fulfilled_in_time"]


def test_udata_without_the_citys_licence_loses_the_licence_point_A25_1() -> None:
    assert udata_score(udata_criteria(replace(COMPLETE, licence_title=None), NOW)) == pytest.approx(8 / 9)


def points(facts: DatasetFacts) -> dict[str, float]:
    return {i.id: i.points for i in mqa_indicators(facts)}


def dimensions(facts: DatasetFacts) -> dict[str, float]:
    totals: dict[str, float] = {}
    for indicator in mqa_indicators(facts):
        totals[indicator.dimension] = totals.get(indicator.dimension, 0.0) + indicator.points
    return totals


def test_mqa_weights_are_the_published_ones_405_in_five_dimensions_A25_1() -> None:
    maxima: dict[str, float] = {}
    for indicator in mqa_indicators(COMPLETE):
        maxima[indicator.dimension] = maxima.get(indicator.dimension, 0.0) + indicator.max_points
    assert maxima == {"findability": 100, "accessibility": 100, "interoperability": 110, "reusability": 75,
                      "contextuality": 20}  # fmt: skip


def test_mqa_scores_a_complete_unconditional_dataset_excellent_A25_1() -> None:
    # Findability 30 + 30 + 20 + 20. Accessibility 50 + 20 + 30. Interoperability: format 20, media type 10,
    # vocabularies 10, non-proprietary for 2 of 3 files (CSV, JSON; not XLSX) 20 × 2/3, machine-readable 20,
    # DCAT-AP 30. Reusability: licence 20, no EU licence URI 0, access rights 10 + 5, contact point 20,
    # publisher 10. Contextuality: rights 5, no file size 0, issued 5, modified 5.
    expected = {"findability": 100, "accessibility": 100, "interoperability": 90 + 40 / 3, "reusability": 65,
                "contextuality": 15}  # fmt: skip
    assert dimensions(COMPLETE) == pytest.approx(expected)
    total = mqa_points(mqa_indicators(COMPLETE))
    assert total == pytest.approx(1150 / 3)  # 383.33
    assert mqa_rating(total) == "excellent"


def test_mqa_scores_a_sparse_conditional_dataset_good_A25_1() -> None:
    # Findability: keywords 30, no category, spatial 20, no date 0 = 50. Accessibility: the records API needs a data
    # key, so nothing answers anonymously and no file is downloaded = 0. Interoperability: the API's JSON is all of
    # format 20, media type 10, vocabularies 10, non-proprietary 20, machine-readable 20, DCAT-AP 30 = 110.
    # Reusability: licence 20 + EU licence URI 10 + access rights 15 + contact point 20, unknown publisher = 65.
    # Contextuality: rights (the open conditions) 5, issued 5, no records so no modification date = 10.
    assert dimensions(SPARSE) == {"findability": 50, "accessibility": 0, "interoperability": 110, "reusability": 65,
                                  "contextuality": 10}  # fmt: skip
    assert mqa_points(mqa_indicators(SPARSE)) == 235
    assert mqa_rating(235) == "good"
    assert (points(SPARSE)["license_vocabulary"], points(COMPLETE)["license_vocabulary"]) == (10, 0)


@pytest.mark.parametrize(
    ("points_", "rating"),
    [(405, "excellent"), (351, "excellent"), (350.9, "good"), (221, "good"), (220.9, "sufficient"),
     (121, "sufficient"), (120.9, "bad"), (0, "bad")],
)  # fmt: skip
def test_mqa_ratings_are_the_published_bands_A25_1(points_: float, rating: str) -> None:
    assert mqa_rating(points_) == rating


def test_conditional_rights_need_the_open_conditions_stated_A25_1() -> None:
    assert points(replace(SPARSE, open_conditions="  "))["rights"] == 0
    assert points(replace(COMPLETE, licence_title=None))["rights"] == 0
