"""The region tree agrees with the one region rule: a city at the root, its districts under it (A4.1)."""

from __future__ import annotations

import pytest

from catalog_svc.regions.rules import placement_problems

WUXI, XISHAN, JIANGYIN, SUZHOU = "320200", "320205", "320281", "320500"


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [(WUXI, "city", None), (XISHAN, "district", WUXI), (JIANGYIN, "county_city", WUXI)],
)
def test_a_city_and_the_districts_and_county_level_cities_sharing_its_code_are_placed_A4_1(
    code: str, level: str, parent: str | None
) -> None:
    assert placement_problems(code, level, parent) == []


@pytest.mark.parametrize(
    ("code", "level", "parent", "field"),
    [
        (XISHAN, "city", None, "code"),  # 320205 is not a city's code
        ("320000", "city", None, "code"),  # a province's code
        (WUXI, "city", SUZHOU, "parent_code"),  # a city has no parent
        (XISHAN, "district", None, "parent_code"),  # a district lies in a city
        ("320506", "district", WUXI, "code"),  # a district of Suzhou is not under Wuxi
        (SUZHOU, "district", WUXI, "code"),  # a city is no district
        (WUXI, "district", WUXI, "code"),  # nor its own district
        ("320206", "district", XISHAN, "parent_code"),  # nothing lies under a district
    ],
)
def test_a_region_the_region_rule_would_place_elsewhere_is_refused_naming_the_field_A4_1(
    code: str, level: str, parent: str | None, field: str
) -> None:
    assert [p["field"] for p in placement_problems(code, level, parent)] == [field]
