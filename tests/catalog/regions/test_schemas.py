"""A region's compilation rules (A13.2) are checked when the bureau sets them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from catalog_svc.regions.schemas import CompilationRuleIn


def rule_body(**overrides: Any) -> dict[str, Any]:
    return {
        "required_elements": ["name", "summary", "classification", "items"],
        "allowed_update_cycles": ["daily", "monthly"],
        "code_pattern": r"^\d{2}(-\d{2}){0,3}/\d{3,6}$",
        **overrides,
    }


def test_a_rule_naming_known_elements_and_a_regex_is_accepted_A13_2() -> None:
    rule = CompilationRuleIn.model_validate(rule_body())
    assert rule.required_elements == ["name", "summary", "classification", "items"]


def test_a_rule_requiring_an_unknown_element_is_refused_A13_2() -> None:
    with pytest.raises(ValidationError, match=r"unknown elements: colour, nickname"):
        CompilationRuleIn.model_validate(rule_body(required_elements=["name", "nickname", "colour"]))


@pytest.mark.parametrize("pattern", [r"^\d{2}(/\d{3}$", "[0-9", "*"])
def test_a_code_pattern_that_is_not_a_regular_expression_is_refused_A13_2(pattern: str) -> None:
    with pytest.raises(ValidationError, match=r"not a regular expression"):
        CompilationRuleIn.model_validate(rule_body(code_pattern=pattern))


@pytest.mark.parametrize(
    "pattern",
    [
        r"^(\d{2})/\1$",  # a back-reference: Python's re compiles it, RE2 refuses it (it needs backtracking)
        r"^(?=\d)\d{2}$",  # look-ahead, likewise
        r"^\d{1001}$",  # a repetition past RE2's bound of 1000
    ],
)
def test_a_pattern_that_only_a_backtracking_engine_accepts_is_refused_A13_2_A28_1(pattern: str) -> None:
    with pytest.raises(ValidationError, match=r"not a regular expression RE2 accepts"):
        CompilationRuleIn.model_validate(rule_body(code_pattern=pattern))


def test_a_catastrophic_pattern_for_backtracking_engines_is_accepted_since_re2_matches_it_in_linear_time() -> None:
    assert CompilationRuleIn.model_validate(rule_body(code_pattern=r"^(a+)+$")).code_pattern == r"^(a+)+$"


def test_a_pattern_longer_than_its_column_is_refused_A13_2() -> None:
    with pytest.raises(ValidationError, match="code_pattern"):
        CompilationRuleIn.model_validate(rule_body(code_pattern="a" * 201))
