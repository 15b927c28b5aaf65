"""One way to write a lifecycle in the mesh: states and actions are enums, the allowed transitions are one table,
and an illegal transition is a 409 problem naming the state and the actions allowed from it.

Catalogue entry versions (A14.1), share applications and disputes (A20.2, A20.3), open applications (A24.2) and
error reports (A26.1) each declare a `Lifecycle`; their tests walk every (state, action) pair against it.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from hub.errors import Conflict

State = TypeVar("State", bound=StrEnum)
Action = TypeVar("Action", bound=StrEnum)


class IllegalTransition(Conflict):
    """An action the current state does not allow."""

    kind, title = "illegal-transition", "Not allowed in the current state"


class Lifecycle(Generic[State, Action]):
    """A table of allowed transitions: (state, action) → the state after it."""

    def __init__(
        self,
        subject: str,
        transitions: Mapping[tuple[State, Action], State],
        *,
        requirement: str | None = None,
    ) -> None:
        self.subject = subject
        self.transitions = dict(transitions)
        self.requirement = requirement

    def allowed(self, state: State) -> list[Action]:
        """The actions allowed from `state`, in the table's order."""
        return [action for (source, action) in self.transitions if source == state]

    def apply(self, state: State, action: Action) -> State:
        """The state after `action`, or IllegalTransition (409) naming `state` and what it allows."""
        after = self.transitions.get((state, action))
        if after is None:
            allowed = self.allowed(state)
            listed = ", ".join(allowed) if allowed else "nothing (it is final)"
            raise IllegalTransition(
                f"'{action}' is not allowed for a {state} {self.subject}; allowed: {listed}.",
                requirement=self.requirement,
                state=str(state),
                action=str(action),
                allowed_actions=[str(a) for a in allowed],
            )
        return after

    def final_states(self, states: type[State]) -> list[State]:
        """The states no action leaves."""
        return [state for state in states if not self.allowed(state)]
