"""The national identifiers' check characters (hub.identifiers), against values whose check characters the
standards' authors or the registration authorities computed: GB 11643-1999's own examples of citizen identity
numbers, and unified social credit codes of registered companies (GB 32100-2015)."""

from __future__ import annotations

import pytest

from hub.identifiers import credit_code_problem, resident_id_problem


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_the_standards_examples_of_citizen_identity_numbers_are_well_formed(number: str) -> None:
    assert resident_id_problem(number) is None


@pytest.mark.parametrize(
    ("number", "why"),
    [
        ("110105194912310021", "GB 11643 gives 'X'"),
        ("11010519491231002x", "digit or X"),  # the standard's X is upper case
        ("1101051949123100", "18 characters"),
        ("11010519490230002X", "date of birth"),  # 30 February
        ("１１０１０５19491231002X", "digit or X"),  # full-width digits are not ASCII digits
    ],
)
def test_a_malformed_citizen_identity_number_says_why(number: str, why: str) -> None:
    problem = resident_id_problem(number)
    assert problem is not None
    assert why in problem


@pytest.mark.parametrize("code", ["914403001922038216", "91440300708461136T", "91330100716105852F"])
def test_registered_companies_codes_are_well_formed(code: str) -> None:
    assert credit_code_problem(code) is None


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("914403001922038217", "GB 32100 gives '6'"),
        ("91440300192203821I", "not allowed"),  # no I, O, S, V, Z in the code's character set
        ("9144030019220382", "18 characters"),
        ("91AB03001922038216", "division code"),
    ],
)
def test_a_malformed_credit_code_says_why(code: str, why: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert why in problem
