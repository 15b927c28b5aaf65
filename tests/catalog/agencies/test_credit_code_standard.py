"""The unified social credit code (统一社会信用代码) against GB 32100-2015 itself, written out here (A2.1).

Every expected value below is the standard's, not the module's: its table of characters and their values
(digits and capitals without I, O, S, V, Z), its weights, its layout (position 1 the registering authority,
2 the kind of organisation, 3–8 the GB/T 2260 division, 9–17 the body's identifier, 18 the check character) and
its check rule C18 = 31 − (Σ Ci·Wi mod 31), where 31 is written 0. The codes are built by that rule here, so a
change to the character set, the weights, the layout or the rule in rules.py fails one of these tests.
"""

from __future__ import annotations

import string

import pytest

from hub.identifiers import CREDIT_CODE_CHARSET, CREDIT_CODE_WEIGHTS, credit_code_problem

# GB 32100-2015, table 2: each character and its value (代码字符集及其数值).
VALUES = {
    **{digit: int(digit) for digit in string.digits},
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "J": 18, "K": 19, "L": 20,
    "M": 21, "N": 22, "P": 23, "Q": 24, "R": 25, "T": 26, "U": 27, "W": 28, "X": 29, "Y": 30,
}  # fmt: skip
CHARACTER_OF = {value: character for character, value in VALUES.items()}
# GB 32100-2015, table 3: the weights of positions 1–17 (加权因子).
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LEFT_OUT = "IOSVZ"  # not used, lest they be read as 1, 0, 5, U and 2


def check_character(first17: str) -> str:
    """C18 by GB 32100's rule; a remainder of 0 gives 31, which is written 0."""
    remainder = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True)) % 31
    return CHARACTER_OF[0 if remainder == 0 else 31 - remainder]


def code(first17: str) -> str:
    return first17 + check_character(first17)


def test_the_character_set_is_the_31_of_gb32100_in_the_order_of_their_values_A2_1() -> None:
    expected = "".join(c for c in string.digits + string.ascii_uppercase if c not in LEFT_OUT)
    assert len(expected) == 31
    assert expected == CREDIT_CODE_CHARSET
    assert [VALUES[c] for c in CREDIT_CODE_CHARSET] == list(range(31))


def test_the_weights_are_the_standards_powers_of_3_modulo_31_A2_1() -> None:
    assert tuple(pow(3, i, 31) for i in range(17)) == WEIGHTS
    assert tuple(CREDIT_CODE_WEIGHTS) == WEIGHTS


@pytest.mark.parametrize("check_value", range(31))
def test_every_check_value_from_0_to_30_is_accepted_as_its_character_A2_1(check_value: int) -> None:
    # Vary the 17th character until the standard's rule gives this check value, so that every character of the
    # set is met as a check character (0 included: a remainder of 0 is written "0", not "Y" or an error).
    for last in VALUES:
        first17 = "11320200MB000000" + last
        if VALUES[check_character(first17)] == check_value:
            break
    else:
        pytest.fail(f"no 17th character gives the check value {check_value}")
    assert credit_code_problem(code(first17)) is None


@pytest.mark.parametrize("character", sorted(VALUES))
def test_each_character_of_the_set_is_accepted_in_the_bodys_identifier_A2_1(character: str) -> None:
    assert credit_code_problem(code(f"91320200{character * 9}")) is None


@pytest.mark.parametrize("letter", LEFT_OUT + "abc")
@pytest.mark.parametrize("position", [1, 9, 17, 18])
def test_a_letter_gb32100_leaves_out_is_refused_wherever_it_stands_A2_1(letter: str, position: int) -> None:
    base = code("91320200MA1ABCDE1")
    problem = credit_code_problem(base[: position - 1] + letter + base[position:])
    assert problem is not None
    assert "not allowed by GB 32100" in problem
    assert letter in problem


@pytest.mark.parametrize("position", [3, 4, 5, 6, 7, 8])
def test_a_letter_in_the_division_code_positions_3_to_8_is_refused_A2_1(position: int) -> None:
    # A letter there, with the check character the rule gives, so the layout is all that is wrong.
    first17 = "11320200MB0000000"
    first17 = first17[: position - 1] + "A" + first17[position:]
    problem = credit_code_problem(code(first17))
    assert problem is not None
    assert "administrative division" in problem


@pytest.mark.parametrize("first17", ["Y1320200MB0000000", "N2320200MB0000000"])
def test_a_letter_registering_authority_in_position_1_is_accepted_A2_1(first17: str) -> None:
    # Registering authorities coded by a letter exist (Y: others; N: agriculture, added to the register later).
    assert credit_code_problem(code(first17)) is None


@pytest.mark.parametrize("length", [0, 17, 19])
def test_a_code_that_is_not_18_characters_is_refused_naming_its_length_A2_1(length: int) -> None:
    problem = credit_code_problem(code("11320200MB0000000").ljust(19, "0")[:length])
    assert problem is not None
    assert f"got {length}" in problem


def test_a_wrong_check_character_is_refused_naming_the_one_given_and_the_one_expected_A2_1() -> None:
    first17 = "11320200MB0000007"
    right = check_character(first17)
    wrong = next(c for c in "XW" if c != right)  # neither the right one nor the 17th character
    problem = credit_code_problem(first17 + wrong)
    assert problem == f"check character is {wrong!r} but GB 32100 gives {right!r}"
