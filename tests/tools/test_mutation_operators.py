"""The mutants `make mutate` makes: its own two operators, and what no operator touches."""

from __future__ import annotations

from pathlib import Path

import pytest
from cosmic_ray.mutating import mutate_code
from cosmic_ray.operators.operator import Operator

from tools.mutation_operators import RegexQuantifierBound, StringConstantEdge, operator_names, work_items

SOURCE = '''"""A module docstring "XY"."""
from __future__ import annotations

CHARSET = "0123456789ABXY"
PATTERN = r"^\\d{2}(-\\d{2}){0,3}/\\d{3,6}$"


class Rules:
    """A class docstring."""

    code_pattern: str = "AB"


def message(code: str | None) -> str:
    """A function docstring."""
    label = "a message, not a constant"
    return f"{code} is {label}"
'''


def mutants(operator: type[Operator], source: str = SOURCE) -> list[str]:
    """Every mutated source the operator makes of `source`, in occurrence order."""
    made, occurrence = [], 0
    while (mutated := mutate_code(source, operator(), occurrence)) is not None:
        made.append(mutated)
        occurrence += 1
    return made


def changed_lines(mutated: str, source: str = SOURCE) -> list[str]:
    return [new for old, new in zip(source.splitlines(), mutated.splitlines(), strict=True) if old != new]


@pytest.mark.parametrize("operator", [StringConstantEdge, RegexQuantifierBound])
def test_each_operator_makes_its_documented_examples(operator: type[Operator]) -> None:
    for example in operator.examples():
        assert mutate_code(example.pre_mutation_code, operator(), example.occurrence) == example.post_mutation_code


def test_string_constants_lose_their_last_character_or_gain_the_next_one_and_nothing_else_is_touched() -> None:
    lines = [changed_lines(m) for m in mutants(StringConstantEdge)]
    assert lines == [
        ["CHARSET = '0123456789ABX'"],
        ["CHARSET = '0123456789ABXYZ'"],
        ["PATTERN = '^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{3,6}'"],
        ["PATTERN = '^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{3,6}$%'"],
        ["    code_pattern: str = 'A'"],
        ["    code_pattern: str = 'ABC'"],
    ]


def test_each_quantifier_bound_moves_by_one_while_the_quantifier_stays_valid() -> None:
    moved = [changed_lines(m)[0].split(" = ")[1] for m in mutants(RegexQuantifierBound)]
    assert moved == [
        "'^\\\\d{3}(-\\\\d{2}){0,3}/\\\\d{3,6}$'",
        "'^\\\\d{1}(-\\\\d{2}){0,3}/\\\\d{3,6}$'",
        "'^\\\\d{2}(-\\\\d{3}){0,3}/\\\\d{3,6}$'",
        "'^\\\\d{2}(-\\\\d{1}){0,3}/\\\\d{3,6}$'",
        "'^\\\\d{2}(-\\\\d{2}){1,3}/\\\\d{3,6}$'",  # {-1,3} is no quantifier: not made
        "'^\\\\d{2}(-\\\\d{2}){0,4}/\\\\d{3,6}$'",
        "'^\\\\d{2}(-\\\\d{2}){0,2}/\\\\d{3,6}$'",
        "'^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{4,6}$'",
        "'^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{2,6}$'",
        "'^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{3,7}$'",
        "'^\\\\d{2}(-\\\\d{2}){0,3}/\\\\d{3,5}$'",
    ]


def test_annotations_are_never_mutated(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text(SOURCE, encoding="utf-8")
    mutated_lines = {item.mutations[0].start_pos[0] for item in work_items(module)}
    annotated = [n for n, line in enumerate(SOURCE.splitlines(), 1) if line.startswith("def message")]
    assert mutated_lines
    assert not mutated_lines & set(annotated)  # `str | None` there would become `str - None`


def test_a_run_applies_the_chosen_core_operators_and_both_of_ours() -> None:
    names = operator_names()
    assert "core/ReplaceBinaryOperator_BitOr_Sub" in names  # a role set losing a role
    assert "core/ReplaceBinaryOperator_Sub_BitOr" in names  # a role set gaining one
    assert "core/ReplaceBinaryOperator_Add_LShift" not in names  # only ever a TypeError
    assert names[-2:] == ["hub/StringConstantEdge", "hub/RegexQuantifierBound"]
