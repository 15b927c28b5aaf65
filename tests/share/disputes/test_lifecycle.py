"""The dispute lifecycle walked whole (A20.3): every (state, action) pair of the hand-written table below leads
where it says, and every other pair is a 409 naming the state and what it allows.

The table is written from A20.3 ("a refused applicant can raise a dispute; the bureau resolves or escalates; every
step recorded") and the Measures' article 20 (disputes are coordinated by the bureau and decided by the government
if needed), not read from the module: raised, a dispute is open before the bureau, which records notes and decides,
or escalates it to the government; escalated, the bureau still records notes, and records the government's
decision; a decision is final. A dispute whose application was terminated lapses, and that is final too.
"""

from __future__ import annotations

import itertools

import pytest

from hub.lifecycle import IllegalTransition
from share_svc.disputes.lifecycle import DISPUTE_LIFECYCLE, UNRESOLVED, DisputeAction, DisputeState, apply

EXPECTED: dict[tuple[str, str], str] = {
    ("new", "raise"): "open",
    ("open", "note"): "open",
    ("open", "decide"): "decided",
    ("open", "escalate"): "escalated",
    ("open", "lapse"): "lapsed",
    ("escalated", "note"): "escalated",
    ("escalated", "record_government_decision"): "decided",
    ("escalated", "lapse"): "lapsed",
}
FINAL = {"decided", "lapsed"}
ALL_PAIRS = list(itertools.product(DisputeState, DisputeAction))


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=[f"{s}-{a}" for s, a in ALL_PAIRS])
def test_every_state_and_action_leads_where_A20_3_says_or_is_a_409_naming_what_is_allowed(
    state: DisputeState, action: DisputeAction
) -> None:
    expected = EXPECTED.get((state.value, action.value))
    if expected is not None:
        assert apply(state, action) == expected
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    body = refused.value.body()
    assert (refused.value.status, body["type"], body["requirement"]) == (409, "/problems/illegal-transition", "A20.3")
    assert (body["state"], body["action"]) == (state.value, action.value)
    assert set(body["allowed_actions"]) == {a for (s, a) in EXPECTED if s == state.value}


def test_the_table_allows_nothing_the_expectation_does_not() -> None:
    declared = {(state.value, action.value) for state in DisputeState for action in DISPUTE_LIFECYCLE.allowed(state)}
    assert declared == set(EXPECTED)


def test_decided_and_lapsed_disputes_are_final_and_only_open_and_escalated_ones_await_a_decision_A20_3() -> None:
    assert {s.value for s in DISPUTE_LIFECYCLE.final_states(DisputeState)} == FINAL
    assert {s.value for s in UNRESOLVED} == {"open", "escalated"}


def test_the_bureau_decides_an_open_dispute_and_only_the_governments_decision_an_escalated_one_A20_3() -> None:
    assert apply(DisputeState.open, DisputeAction.decide) == DisputeState.decided
    with pytest.raises(IllegalTransition):
        apply(DisputeState.escalated, DisputeAction.decide)
    with pytest.raises(IllegalTransition):
        apply(DisputeState.open, DisputeAction.record_government_decision)
