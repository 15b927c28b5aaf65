"""The one region rule (A4.1), against a realistic city written out by hand from GB/T 2260 and GB/T 10114."""

from __future__ import annotations

import itertools

import pytest

from hub.regions import Level, is_city, level_of, region_contains

PROVINCE = "320000"  # 江苏省
CITY = "320200"  # 无锡市
DISTRICTS = ("320205", "320206", "320213")  # 锡山区, 惠山区, 梁溪区
COUNTY_CITY = "320281"  # 江阴市, a county-level city
STREETS = {"320213001": "320213", "320213002": "320213", "320205001": "320205", "320281100": "320281"}
OTHER_CITY = "320500"  # 苏州市
OTHER_DISTRICT = "320505"  # 虎丘区, in Suzhou

# Every division of the city and, for each, the divisions it contains besides itself (by hand, not by the rule).
CONTAINS = {
    PROVINCE: {CITY, *DISTRICTS, COUNTY_CITY, *STREETS, OTHER_CITY, OTHER_DISTRICT},
    CITY: {*DISTRICTS, COUNTY_CITY, *STREETS},
    "320205": {"320205001"},
    "320206": set(),
    "320213": {"320213001", "320213002"},
    COUNTY_CITY: {"320281100"},
    **{street: set() for street in STREETS},
    OTHER_CITY: {OTHER_DISTRICT},
    OTHER_DISTRICT: set(),
}


@pytest.mark.parametrize(("outer", "inner"), list(itertools.product(CONTAINS, repeat=2)))
def test_every_pair_of_a_realistic_city_A4_1(outer: str, inner: str) -> None:
    expected = outer == inner or inner in CONTAINS[outer]
    assert region_contains(outer, inner) is expected


def test_levels_of_the_codes() -> None:
    assert level_of(PROVINCE) is Level.province
    assert level_of(CITY) is Level.city
    assert level_of(COUNTY_CITY) is Level.county
    assert level_of("320213001") is Level.street
    assert is_city(CITY)
    assert not is_city(PROVINCE)
    assert not is_city("320213")


@pytest.mark.parametrize("code", ["", "32020", "3202000", "32020A", "３２０２００", "000000", "320213000", "32021300١"])
def test_malformed_codes_contain_nothing_and_lie_nowhere(code: str) -> None:
    assert level_of(code) is None
    assert not region_contains(code, code)
    assert not region_contains(CITY, code)
    assert not region_contains(code, CITY)
