"""Anyone sees each open dataset's metadata quality, with every criterion, and each agency's over its open datasets,
through the gateway (A25.1). Expected scores are worked out by hand from udata's and MQA's published rules (see
tests/open/quality/test_rules.py) for datasets published through the catalogue with their records replicated."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from open.datasets.world import ITEMS, World, payments

from harness import assert_problem

pytestmark = pytest.mark.integration

LONG_SUMMARY = "全市参保单位按月缴纳社会保险费的明细记录，包括缴费单位、缴费金额和缴费日期。" * 3  # over 100 characters
# Unconditional, every element: udata 9/9. MQA: 100 + 100 + (90 + 20 × 2/3) + 65 (no EU licence URI) + 15.
COMPLETE_MQA = round(100 + 100 + 90 + 40 / 3 + 65 + 15, 2)
# Conditional, no date item, short summary, no category, no records, published now on a daily cycle: udata 4/9
# (licence, spatial, frequency, on time). MQA: 50 + 0 + 110 + 65 + 10 = 235.
SPARSE = {"summary": "企业参保人数。", "category": None, "update_cycle": "daily", "items": ITEMS[:3],
          "open_type": "conditional", "open_conditions": "申请人签订开放利用协议。"}  # fmt: skip


async def test_a_datasets_quality_shows_udatas_and_mqas_criteria_with_their_scores_A25_1(world: World) -> None:
    entry_id = await world.publish(name="社会保险缴费明细（月度）", summary=LONG_SUMMARY)
    await world.replicate(entry_id, payments(5), at=datetime.now(UTC) - timedelta(days=10))

    quality = await world.ok(f"/datasets/{entry_id}/quality")

    assert quality["udata"]["score"] == 1.0
    assert len(quality["udata"]["criteria"]) == 9
    assert all(c["met"] for c in quality["udata"]["criteria"])
    assert (quality["mqa"]["points"], quality["mqa"]["rating"]) == (COMPLETE_MQA, "excellent")
    assert {d["id"]: (d["points"], d["max_points"]) for d in quality["mqa"]["dimensions"]} == {
        "findability": (100, 100), "accessibility": (100, 100), "interoperability": (103.33, 110),
        "reusability": (65, 75), "contextuality": (15, 20),
    }  # fmt: skip
    indicators = {i["id"]: i for i in quality["mqa"]["indicators"]}
    assert (indicators["license_vocabulary"]["met"], indicators["file_size"]["points"]) == (False, 0)
    assert indicators["non_proprietary"]["points"] == 13.33
    # The dataset's page shows the same score.
    shown = (await world.ok(f"/datasets/{entry_id}"))["quality"]
    assert shown == {"udata_score": 1.0, "mqa_points": COMPLETE_MQA, "mqa_rating": "excellent"}


async def test_an_agencys_quality_is_the_mean_over_its_open_datasets_with_each_criterions_share_A25_1(
    world: World,
) -> None:
    pensions = await world.agency("无锡市社会保险基金管理中心")
    complete = await world.publish(pensions, name="养老金发放明细", summary=LONG_SUMMARY)
    await world.replicate(complete, payments(5), at=datetime.now(UTC) - timedelta(days=10))
    await world.publish(pensions, name="企业参保人数", **SPARSE)
    await world.publish(pensions, name="参保人员名单", summary="参保人员。", open_type="not_open",
                        open_legal_basis="《中华人民共和国个人信息保护法》")  # fmt: skip

    quality = await world.ok(f"/quality/agencies/{pensions.id}")

    assert (quality["agency_name"], quality["datasets"]) == ("无锡市社会保险基金管理中心", 2)
    assert quality["udata_score"] == round((1 + 4 / 9) / 2, 4)
    assert quality["mqa_points"] == round((100 + 100 + 90 + 40 / 3 + 65 + 15 + 235) / 2, 2)
    assert quality["mqa_rating"] == "good"
    meeting = {c["id"]: c["datasets_meeting"] for c in quality["udata_criteria"]}
    assert meeting == {
        "license": 2, "temporal_coverage": 1, "spatial": 2, "update_frequency": 2, "update_fulfilled_in_time": 2,
        "dataset_description_quality": 1, "has_open_format": 1, "all_resources_available": 1,
        "resources_documentation": 1,
    }  # fmt: skip
    shares = {c["id"]: c["mean_points"] for c in quality["mqa_indicators"]}
    assert (shares["access_url_accessibility"], shares["non_proprietary"]) == (25, round((40 / 3 + 20) / 2, 2))


async def test_the_quality_of_an_agency_unknown_to_the_open_platform_is_not_found_A25_1(world: World) -> None:
    assert_problem(await world.get(f"/quality/agencies/{uuid.uuid4()}"), 404)
    assert_problem(await world.get(f"/datasets/{uuid.uuid4()}/quality"), 404)
    empty = await world.agency("无锡市档案馆")
    assert (await world.ok(f"/quality/agencies/{empty.id}"))["datasets"] == 0
