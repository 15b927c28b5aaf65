"""The mutation operators `make mutate` applies (tools/mutate.py): a choice of cosmic-ray's, and two of ours.

cosmic-ray's core set offers every binary operator for every other (`a + b` becomes `a << b`) and every comparison
for every other; most of those only ever raise a TypeError or repeat another mutant. The choice below keeps what
a reader of a rule would get wrong: a comparison against its boundary and its negation, arithmetic against its
inverse, set union against intersection and difference (a role set losing or gaining a role), numbers off by one,
conditions negated, booleans flipped, loops and decorators removed.

Ours add what the core set lacks and the rules depend on: a string constant's edges (the GB 32100 character set
one character short or long) and a regular expression's quantifier bounds (a resource-code pattern's `{0,3}`).
Type annotations are never mutated: under `from __future__ import annotations` nothing reads them at run time.
"""

from __future__ import annotations

import ast
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import parso
from cosmic_ray.ast import ast_nodes, get_ast_from_path
from cosmic_ray.ast.ast_query import ASTQuery
from cosmic_ray.operators.operator import Example, Operator
from cosmic_ray.plugins import OPERATOR_PROVIDERS, get_operator
from cosmic_ray.work_item import MutationSpec, WorkItem

CORE_OPERATORS = (
    "NumberReplacer",
    "AddNot",
    "ReplaceTrueWithFalse",
    "ReplaceFalseWithTrue",
    "ReplaceAndWithOr",
    "ReplaceOrWithAnd",
    "ReplaceBreakWithContinue",
    "ReplaceContinueWithBreak",
    "ExceptionReplacer",
    "ZeroIterationForLoop",
    "RemoveDecorator",
    "ReplaceUnaryOperator_Delete_Not",
    "ReplaceUnaryOperator_USub_UAdd",
    "ReplaceComparisonOperator_Eq_NotEq",
    "ReplaceComparisonOperator_NotEq_Eq",
    "ReplaceComparisonOperator_Lt_LtE",
    "ReplaceComparisonOperator_LtE_Lt",
    "ReplaceComparisonOperator_Gt_GtE",
    "ReplaceComparisonOperator_GtE_Gt",
    "ReplaceComparisonOperator_Is_IsNot",
    "ReplaceComparisonOperator_IsNot_Is",
    "ReplaceBinaryOperator_Add_Sub",
    "ReplaceBinaryOperator_Sub_Add",
    "ReplaceBinaryOperator_Sub_BitOr",
    "ReplaceBinaryOperator_Mul_Div",
    "ReplaceBinaryOperator_Div_Mul",
    "ReplaceBinaryOperator_FloorDiv_Div",
    "ReplaceBinaryOperator_Mod_FloorDiv",
    "ReplaceBinaryOperator_Pow_Mul",
    "ReplaceBinaryOperator_BitOr_BitAnd",
    "ReplaceBinaryOperator_BitOr_Sub",
    "ReplaceBinaryOperator_BitAnd_BitOr",
)


def _string_value(node: Any) -> str | None:
    """The value of a plain string literal node (not an f-string, not bytes), else None."""
    if node.type != "string":
        return None
    value = ast.literal_eval(node.value)
    return value if isinstance(value, str) else None


def _is_constant(node: Any) -> bool:
    """Whether a string literal is the whole value of a module-level or class-level assignment (a constant such as
    the GB 32100 character set or a field's default), rather than a message or a docstring."""
    assignment = node.parent  # `NAME = "..."`, or `name: str = "..."` whose value sits in an annassign
    if assignment.type == "annassign":
        assignment = assignment.parent
    if assignment.type != "expr_stmt" or node.get_next_sibling() is not None or len(assignment.children) > 3:
        return False
    scope = assignment.parent  # a simple_stmt (parso leaves it out when it would hold nothing else)
    if scope.type == "simple_stmt":
        scope = scope.parent
    return bool(scope.type == "file_input" or (scope.type == "suite" and scope.parent.type == "classdef"))


def _literal(node: Any, value: str) -> Any:
    return parso.python.tree.String(repr(value), node.start_pos, prefix=node.prefix)


class StringConstantEdge(Operator):  # type: ignore[misc]
    """A string constant loses its last character, or gains the one after it: a character set one short, or one
    longer by the next letter ("...XY" becomes "...XYZ", and Z is one GB 32100 leaves out)."""

    def mutation_positions(self, node: Any) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
        value = _string_value(node)
        if value and _is_constant(node):
            yield node.start_pos, node.end_pos
            yield node.start_pos, node.end_pos

    def mutate(self, node: Any, index: int) -> Any:
        value = _string_value(node)
        assert value
        return _literal(node, value[:-1] if index == 0 else value + chr(ord(value[-1]) + 1))

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (Example('S = "XY"', "S = 'X'"), Example('S = "XY"', "S = 'XYZ'", occurrence=1))


# A quantifier after something it can repeat: `\d{2}`, `){0,3}`, `]{3,}` (not a format field such as "{0}").
QUANTIFIER = re.compile(r"(?<=[^\s{(|^])\{(\d+)(?:,(\d*))?\}")


def _bound_changes(value: str) -> list[tuple[int, int]]:
    """Every (offset in the string, new bound) that moves one quantifier bound by one and stays valid."""
    changes = []
    for match in QUANTIFIER.finditer(value):
        low = int(match.group(1))
        high = int(match.group(2)) if match.group(2) else None
        bounds = [(1, low)] + ([(2, high)] if high is not None else [])
        for group, bound in bounds:
            for moved in (bound + 1, bound - 1):
                new_low, new_high = (moved, high) if group == 1 else (low, moved)
                if moved >= 0 and (new_high is None or new_low <= new_high):
                    changes.append((match.start(group), moved))
    return changes


class RegexQuantifierBound(Operator):  # type: ignore[misc]
    """One bound of a regular expression's quantifier moves by one: `{0,3}` becomes `{0,4}` or `{0,2}`."""

    def mutation_positions(self, node: Any) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
        value = _string_value(node)
        for _ in _bound_changes(value or ""):
            yield node.start_pos, node.end_pos

    def mutate(self, node: Any, index: int) -> Any:
        value = _string_value(node)
        assert value is not None
        offset, moved = _bound_changes(value)[index]
        end = offset + len(re.match(r"\d+", value[offset:]).group())  # type: ignore[union-attr]
        return _literal(node, value[:offset] + str(moved) + value[end:])

    @classmethod
    def examples(cls) -> tuple[Example, ...]:
        return (Example(r'P = r"\d{2,4}"', r"P = '\\d{3,4}'"), Example(r'P = r"\d{2,4}"', r"P = '\\d{2,5}'", 2))


HUB_OPERATORS = {"StringConstantEdge": StringConstantEdge, "RegexQuantifierBound": RegexQuantifierBound}
OPERATOR_PROVIDERS["hub"] = HUB_OPERATORS


def operator_names() -> list[str]:
    """The operators a run applies, as cosmic-ray names them (`provider/operator`)."""
    return [f"core/{name}" for name in CORE_OPERATORS] + [f"hub/{name}" for name in HUB_OPERATORS]


ANNOTATED = ("param", "annassign", "tfpdef")


def in_annotation(node: Any) -> bool:
    """Whether a node lies in a type annotation (after a parameter's or a variable's `:`, or a function's `->`)."""
    child, parent = node, node.parent
    while parent is not None:
        before = child.get_previous_sibling()
        marker = before.value if before is not None and before.type == "operator" else None
        if (parent.type == "funcdef" and marker == "->") or (parent.type in ANNOTATED and marker == ":"):
            return True
        child, parent = parent, parent.parent
    return False


def work_items(module: Path) -> Iterator[WorkItem]:
    """One work item per mutant of `module` (a path relative to the copy), numbered as cosmic-ray applies them
    (annotations count in that numbering, but are not mutated)."""
    tree = get_ast_from_path(module)
    for name in operator_names():
        operator = get_operator(name)()
        positions = ((node, start, end) for node in ast_nodes(tree) for start, end in operator.mutation_positions(node))
        for occurrence, (node, start, end) in enumerate(positions):
            if in_annotation(node):
                continue
            spec = MutationSpec(
                module_path=str(module),
                operator_name=name,
                occurrence=occurrence,
                start_pos=start,
                end_pos=end,
                definition_name=ASTQuery(node).get_definition_name(),
            )
            yield WorkItem.single(job_id=uuid.uuid4().hex, mutation=spec)
