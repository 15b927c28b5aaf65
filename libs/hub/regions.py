"""The one region rule of the mesh (A4.1): whether one administrative division lies within another, by code alone.

Codes follow GB/T 2260 (six digits: province PP0000, prefecture-level city PPCC00, county-level city or district
PPCCDD) and its extension to townships and streets, GB/T 10114 (nine digits: the county's six, then three). A
division lies within another when it is more specific and shares the other's significant digits: 320205 Xishan
and 320281 Jiangyin lie within 320200 Wuxi, 320205001 a street of Xishan lies within 320205 and 320200. The city's
bureau therefore sees its whole region, a district's bureau its district and its streets, and no bureau a sibling.
Every service asks this module; none walks a tree or compares prefixes of its own.
"""

from __future__ import annotations

from enum import IntEnum


class Level(IntEnum):
    """How specific a division is; a higher level lies within a lower one."""

    province = 1
    city = 2
    county = 3
    street = 4


# Digits that identify a division at each level: the rest of its code is zeros (or absent, for streets).
_SIGNIFICANT = {Level.province: 2, Level.city: 4, Level.county: 6, Level.street: 9}


def level_of(code: str) -> Level | None:
    """The level of a well-formed division code, or None for anything else."""
    if not code.isascii() or not code.isdigit():
        return None
    if len(code) == 9 and code[6:] != "000":
        return Level.street
    if len(code) != 6 or code[:2] == "00":
        return None
    if code.endswith("0000"):
        return Level.province
    if code.endswith("00"):
        return Level.city
    return Level.county


def is_city(code: str) -> bool:
    """Whether a code names a prefecture-level city (e.g. 320200), whose bureau oversees the whole city."""
    return level_of(code) == Level.city


def region_contains(outer: str, inner: str) -> bool:
    """Whether `inner` is `outer` or lies within it (A4.1). Malformed codes contain nothing and lie nowhere."""
    outer_level, inner_level = level_of(outer), level_of(inner)
    if outer_level is None or inner_level is None:
        return False
    if outer == inner:
        return True
    digits = _SIGNIFICANT[outer_level]
    return inner_level > outer_level and inner[:digits] == outer[:digits]
