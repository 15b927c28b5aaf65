"""The unified social credit code check (A2.1), against an independent formulation of GB 32100."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.identifiers import CREDIT_CODE_CHARSET, credit_code_problem

# GB 32100 weights are 3**i mod 31; computing them here keeps the test independent of the table in rules.py.
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def check_character(first17: str) -> str:
    total = sum(CREDIT_CODE_CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CREDIT_CODE_CHARSET[-total % 31]


def valid_code(first17: str) -> str:
    return first17 + check_character(first17)


first17s = st.builds(
    lambda head, division, org: head + division + org,
    st.sampled_from(["11", "12", "13", "19", "51", "52", "53", "59", "91", "92", "93", "Y1"]),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_CHARSET, min_size=9, max_size=9),
)


@given(first17s)
def test_any_code_with_its_gb32100_check_character_is_accepted_A2_1(first17: str) -> None:
    assert credit_code_problem(valid_code(first17)) is None


@given(first17s, st.sampled_from(CREDIT_CODE_CHARSET))
def test_a_wrong_check_character_is_refused_A2_1(first17: str, wrong: str) -> None:
    code = valid_code(first17)
    if wrong == code[17]:
        return
    problem = credit_code_problem(code[:17] + wrong)
    assert problem is not None
    assert "check character" in problem


def test_a_mistyped_character_is_caught_by_the_check_A2_1() -> None:
    code = valid_code("11320200" + "MB1234567")
    typo = code[:10] + ("2" if code[10] != "2" else "3") + code[11:]
    assert credit_code_problem(code) is None
    assert credit_code_problem(typo) is not None


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("1132020000000000", "18 characters"),
        ("11320200MB12345I7X", "not allowed"),  # I is not in the GB 32100 character set
        ("1132A200MB1234567X", "administrative division"),
    ],
)
def test_malformed_codes_are_refused_with_the_reason_A2_1(code: str, reason: str) -> None:
    problem = credit_code_problem(code)
    assert problem is not None
    assert reason in problem
