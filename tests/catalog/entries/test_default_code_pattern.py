"""The default resource code (资源代码) a region's entries follow until its bureau sets another (A13.2).

A code is the entry's classification, then "/" and its sequence number. The classification has the four levels
of the catalogue's classification, 类/项/目/细目, two digits each and joined by "-", of which the first is always
given (the `classification` element's own format); the sequence number has 3 to 6 digits. Every bound of that
shape is tried on both sides here, from the shape as written, not from the pattern in rules.py.
"""

from __future__ import annotations

import pytest

from catalog_svc.entries.rules import CompilationRequirements, compilation_violations
from catalog_svc.entries.schemas import EntryElements

LEVELS = ("01", "02", "03", "04")  # 类, 项, 目, 细目


def refused(code: str) -> bool:
    """Whether the default rules refuse the code (and only for the code)."""
    found = compilation_violations({}, code, CompilationRequirements())
    assert all((v.field, v.requirement) == ("code", "A13.2") for v in found)
    return bool(found)


@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_a_classification_of_one_to_four_levels_is_accepted_A13_2(depth: int) -> None:
    classification = "-".join(LEVELS[:depth])
    assert EntryElements(classification=classification).classification == classification
    assert not refused(f"{classification}/000123")


def test_a_fifth_level_is_refused_A13_2() -> None:
    assert refused("01-02-03-04-05/000123")


@pytest.mark.parametrize("level", ["1", "001"])
@pytest.mark.parametrize("place", range(4))
def test_a_level_of_other_than_two_digits_is_refused_A13_2(level: str, place: int) -> None:
    levels = list(LEVELS)
    levels[place] = level
    assert refused("-".join(levels) + "/000123")


@pytest.mark.parametrize("digits", [3, 4, 5, 6])
def test_a_sequence_number_of_3_to_6_digits_is_accepted_A13_2(digits: int) -> None:
    assert not refused("01-02/" + "7" * digits)


@pytest.mark.parametrize("digits", [0, 2, 7])
def test_a_sequence_number_shorter_than_3_or_longer_than_6_digits_is_refused_A13_2(digits: int) -> None:
    assert refused("01-02/" + "7" * digits)


@pytest.mark.parametrize("code", ["01-02", "/000123", "01-02/000123/1", "x01-02/000123", "01-02/000123x"])
def test_anything_before_after_or_instead_of_the_two_parts_is_refused_A13_2(code: str) -> None:
    assert refused(code)
