"""The application lifecycle walked whole (A20.1, A20.2, A20.3): every (state, action) pair of the hand-written table
below leads where it says, and every other pair is a 409 naming the state and what it allows.

The table is written from the Measures and the design (docs/sharing.md), not read from the module: unconditional
data is granted as applied for (A20.1); conditional data needs both the provider's and the bureau's approval, in
either order, and either may refuse (A20.2); a refusal may be disputed once, and the dispute grants or closes it
(A20.3); while undecided the applicant may withdraw, the hub may grant (the entry became unconditional) or
terminate (the entry no longer shares it); a disputed application may be terminated too.
"""

from __future__ import annotations

import itertools

import pytest

from hub.lifecycle import IllegalTransition
from share_svc.applications.lifecycle import APPLICATION_LIFECYCLE, ApplicationAction, ApplicationState, apply

S, A = ApplicationState, ApplicationAction
WAITING = (S.requested, S.provider_approved, S.bureau_approved)

EXPECTED: dict[tuple[str, str], str] = {
    ("new", "apply_unconditional"): "granted",
    ("new", "apply_conditional"): "requested",
    ("requested", "provider_approve"): "provider_approved",
    ("requested", "bureau_approve"): "bureau_approved",
    ("requested", "provider_refuse"): "refused",
    ("requested", "bureau_refuse"): "refused",
    ("provider_approved", "bureau_approve"): "granted",
    ("provider_approved", "bureau_refuse"): "refused",
    ("bureau_approved", "provider_approve"): "granted",
    ("bureau_approved", "provider_refuse"): "refused",
    ("requested", "withdraw"): "withdrawn",
    ("provider_approved", "withdraw"): "withdrawn",
    ("bureau_approved", "withdraw"): "withdrawn",
    ("requested", "grant_unconditionally"): "granted",
    ("provider_approved", "grant_unconditionally"): "granted",
    ("bureau_approved", "grant_unconditionally"): "granted",
    ("requested", "terminate"): "terminated",
    ("provider_approved", "terminate"): "terminated",
    ("bureau_approved", "terminate"): "terminated",
    ("refused", "dispute"): "disputed",
    ("disputed", "uphold"): "granted",
    ("disputed", "dismiss"): "dispute_dismissed",
    ("disputed", "terminate"): "terminated",
}
FINAL = {"granted", "dispute_dismissed", "withdrawn", "terminated"}
ALL_PAIRS = list(itertools.product(ApplicationState, ApplicationAction))


def test_the_hand_written_table_names_every_state_and_action_of_the_module() -> None:
    states = {"new", "requested", "provider_approved", "bureau_approved", "granted", "refused", "disputed",
              "dispute_dismissed", "withdrawn", "terminated"}  # fmt: skip
    actions = {a for _, a in EXPECTED} | {"dispute", "uphold", "dismiss"}
    assert {s.value for s in ApplicationState} == states
    assert {a.value for a in ApplicationAction} == actions


@pytest.mark.parametrize(("state", "action"), ALL_PAIRS, ids=lambda v: str(v))
def test_every_state_and_action_pair_is_allowed_exactly_as_the_table_says_A20_2(
    state: ApplicationState, action: ApplicationAction
) -> None:
    expected = EXPECTED.get((state.value, action.value))
    if expected is not None:
        assert apply(state, action) == expected
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    problem = refused.value
    assert problem.status == 409
    assert problem.extensions["state"] == state.value
    assert problem.extensions["action"] == action.value
    allowed = sorted(a for (s, a) in EXPECTED if s == state.value)
    assert sorted(problem.extensions["allowed_actions"]) == allowed


def test_the_final_states_are_those_no_action_leaves() -> None:
    assert {s.value for s in APPLICATION_LIFECYCLE.final_states(ApplicationState)} == FINAL


def test_both_approvals_grant_in_either_order_and_one_refusal_refuses_A20_2() -> None:
    for first, second in ((A.provider_approve, A.bureau_approve), (A.bureau_approve, A.provider_approve)):
        assert apply(apply(apply(S.new, A.apply_conditional), first), second) == S.granted
    for waiting in WAITING:
        refusals = [a for a in (A.provider_refuse, A.bureau_refuse) if (waiting.value, a.value) in EXPECTED]
        assert refusals
        assert all(apply(waiting, a) == S.refused for a in refusals)
