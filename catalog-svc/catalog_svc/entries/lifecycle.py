"""The review lifecycle of an entry version (A14.1) as one table of allowed transitions."""

from __future__ import annotations

from typing import Literal, get_args

from hub.errors import Conflict

# (state, action) → new state. Drafts are edited and submitted; the bureau approves (publishes) or returns them
# with reasons; a returned version is edited again; a published version is superseded by a newer one or retired.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "edit"): "draft",
    ("draft", "submit"): "submitted",
    ("returned", "edit"): "draft",
    ("returned", "submit"): "submitted",
    ("submitted", "approve"): "published",
    ("submitted", "return"): "returned",
    ("published", "supersede"): "superseded",
    ("published", "retire"): "retired",
}
VersionState = Literal["draft", "submitted", "returned", "published", "superseded", "retired"]
STATES = frozenset(get_args(VersionState))
ACTIONS = frozenset(action for _, action in TRANSITIONS)


def apply(state: str, action: str) -> str:
    """The state after `action`, or a 409 Conflict naming what is allowed from `state` (A14.1)."""
    new_state = TRANSITIONS.get((state, action))
    if new_state is None:
        allowed = sorted(a for (s, a) in TRANSITIONS if s == state) or ["nothing"]
        raise Conflict(f"A {state} version cannot {action} (allowed: {', '.join(allowed)}).", requirement="A14.1")
    return new_state
