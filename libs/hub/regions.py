"""Regions by their administrative division codes (GB/T 2260): a city and the counties and districts in it (A4.1)."""

from __future__ import annotations


def is_city(code: str) -> bool:
    """Whether a code names a prefecture-level city (e.g. 320200), whose bureau oversees the whole city."""
    return len(code) == 6 and code.endswith("00") and not code.endswith("0000")


def region_contains(outer: str, inner: str) -> bool:
    """Whether `inner` is `outer` or lies inside it.

    A prefecture-level city's code ends in 00 and shares its first four digits with every county-level city and
    district under it (320200 Wuxi ⊃ 320205 Xishan), so a city's bureau sees all of its region (A4.1).
    """
    if outer == inner:
        return True
    return is_city(outer) and inner[:4] == outer[:4]
