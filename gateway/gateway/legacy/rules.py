"""The legacy channel's lifecycle as one transition table (A12.1: existing channels must be integrated)."""

from __future__ import annotations

from datetime import date

from hub.errors import Conflict

# registered → integrating → integrated; a channel may also be shut down (retired) instead of integrated.
TRANSITIONS: dict[str, frozenset[str]] = {
    "registered": frozenset({"integrating", "retired"}),
    "integrating": frozenset({"integrated", "retired"}),
    "integrated": frozenset(),
    "retired": frozenset(),
}
REMAINING = frozenset({"registered", "integrating"})


def next_status(current: str, wanted: str) -> str:
    """The new status, or Conflict naming the allowed ones."""
    if wanted not in TRANSITIONS.get(current, frozenset()):
        allowed = ", ".join(sorted(TRANSITIONS.get(current, ()))) or "none"
        raise Conflict(f"A {current} channel cannot become {wanted} (allowed: {allowed}).", requirement="A12.1")
    return wanted


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """A channel still in use after its integration deadline."""
    return status in REMAINING and deadline < today
