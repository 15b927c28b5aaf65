"""What a bureau is told when a district does not fit under its city (A4.1).

By GB/T 2260 a prefecture-level city PPCC00 holds the districts and county-level cities PPCC01 to PPCC99, so a
refusal names that range: the first four digits of the city, then 01–99.
"""

from __future__ import annotations

import pytest

from catalog_svc.regions.rules import placement_problems


@pytest.mark.parametrize(
    ("code", "level", "city", "message"),
    [
        ("320506", "district", "320200", "a district of 320200 has a code 320201–99"),
        ("321302", "county_city", "321200", "a county_city of 321200 has a code 321201–99"),
        ("320200", "district", "320200", "a district of 320200 has a code 320201–99"),
    ],
)
def test_a_misplaced_district_is_told_the_codes_its_city_holds_A4_1(
    code: str, level: str, city: str, message: str
) -> None:
    assert placement_problems(code, level, city) == [{"field": "code", "message": message}]
