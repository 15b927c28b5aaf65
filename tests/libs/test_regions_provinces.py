"""The region rule at the province's two digits (A4.1), with codes from GB/T 2260 beyond one city's prefix.

The digits that identify a division are GB/T 2260's: two for a province (PP0000), four for a prefecture-level
city (PPCC00), six for a county or district; a city lies in its province because it shares the province's two.
Jiangsu's cities run from 3201 to 3213, so Suqian (321300) shares only "32" with Jiangsu (320000), and
Zhejiang (330000) and Shanghai (310000) share only their first digit with it.
"""

from __future__ import annotations

import pytest

from hub.regions import region_contains

JIANGSU, ZHEJIANG, SHANGHAI = "320000", "330000", "310000"


@pytest.mark.parametrize(
    "inner",
    ["320200", "321300", "321302", "320281"],  # 无锡市, 宿迁市, 宿迁市宿城区, 江阴市
)
def test_a_province_contains_every_division_sharing_its_two_digits_A4_1(inner: str) -> None:
    assert region_contains(JIANGSU, inner)


@pytest.mark.parametrize(
    "inner",
    [ZHEJIANG, "330100", "330106", SHANGHAI, "310101", "310101002"],  # 浙江省, 杭州市, 西湖区, 上海市, 黄浦区, …
)
def test_a_province_contains_nothing_of_a_province_sharing_only_its_first_digit_A4_1(inner: str) -> None:
    assert not region_contains(JIANGSU, inner)


def test_a_city_of_jiangsu_beyond_3209_is_no_district_of_another_city_A4_1() -> None:
    assert not region_contains("321300", "321200")  # 宿迁市, 泰州市
    assert not region_contains("321200", "321302")  # 泰州市 does not hold 宿城区
    assert region_contains("321300", "321302")
