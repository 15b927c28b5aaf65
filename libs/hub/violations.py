"""What a rule of the Measures finds wrong, and how the mesh refuses a request for it (RFC 9457, one place)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from hub.errors import RuleViolation


@dataclass(frozen=True)
class Violation:
    """One rule broken by one field, citing the requirement (e.g. A19.2)."""

    field: str
    message: str
    requirement: str


def refuse_if_any(violations: Iterable[Violation], detail: str) -> None:
    """Raise one RuleViolation listing every violation, its `requirement` naming the ids involved."""
    found = list(violations)
    if not found:
        return
    requirements = sorted({v.requirement for v in found})
    raise RuleViolation(
        detail,
        requirement=", ".join(requirements),
        errors=[{"field": v.field, "message": v.message, "requirement": v.requirement} for v in found],
    )
