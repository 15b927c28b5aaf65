"""The lifecycle of a demand request (A27.1): requested and open to votes until the bureau answers it."""

from __future__ import annotations

from enum import StrEnum

from hub.lifecycle import Lifecycle


class DemandState(StrEnum):
    new = "new"  # being made: never stored
    open = "open"  # awaiting the bureau's answer; registered users vote for it
    answered = "answered"  # the bureau answered (final)


class DemandAction(StrEnum):
    request = "request"  # a registered portal user
    answer = "answer"  # the bureau's reviewer or administrator


DEMAND_LIFECYCLE: Lifecycle[DemandState, DemandAction] = Lifecycle(
    "demand",
    {
        (DemandState.new, DemandAction.request): DemandState.open,
        (DemandState.open, DemandAction.answer): DemandState.answered,
    },
    requirement="A27.1",
)


def apply(state: str, action: DemandAction) -> DemandState:
    """The state after `action` on a demand stored in `state`, or IllegalTransition (409, A27.1)."""
    return DEMAND_LIFECYCLE.apply(DemandState(state), action)
