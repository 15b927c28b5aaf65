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
