"""The lifecycle of a demand request walked whole (A27.1): requested, it is open to votes until the bureau answers
it, once. Every other (state, action) pair is a 409."""

from __future__ import annotations

import itertools

import pytest

from hub.lifecycle import IllegalTransition
from open_svc.demands.lifecycle import DemandAction, DemandState, apply

EXPECTED = {("new", "request"): "open", ("open", "answer"): "answered"}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(DemandState, DemandAction)), ids=str)
def test_every_state_and_action_pair_is_allowed_exactly_as_the_table_says_A27_1(
    state: DemandState, action: DemandAction
) -> None:
    expected = EXPECTED.get((state.value, action.value))
    if expected is not None:
        assert apply(state, action) == expected
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    assert (refused.value.status, refused.value.requirement) == (409, "A27.1")
