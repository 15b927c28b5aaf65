"""The open application's lifecycle walked whole (A24.2, A24.3): every (state, action) pair of the hand-written table
below leads where it says, and every other pair is a 409 naming the state and what it allows.

The table is written from the Measures, not read from the module: the collecting agency approves or refuses a
pending application (A24.2); an approved applicant accepts the open-use agreement before any access (A24.3); the
applicant may withdraw until it has agreed; the agency or the bureau may end an approved or agreed access.
"""

from __future__ import annotations

import itertools

import pytest

from hub.lifecycle import IllegalTransition
from open_svc.applications.lifecycle import APPLICATION_LIFECYCLE, ApplicationAction, ApplicationState, apply

EXPECTED: dict[tuple[str, str], str] = {
    ("new", "apply"): "pending",
    ("pending", "approve"): "approved",
    ("pending", "refuse"): "refused",
    ("pending", "withdraw"): "withdrawn",
    ("approved", "accept_agreement"): "agreed",
    ("approved", "withdraw"): "withdrawn",
    ("approved", "revoke_access"): "revoked",
    ("agreed", "revoke_access"): "revoked",
}
FINAL = {"refused", "withdrawn", "revoked"}


def test_the_hand_written_table_names_every_state_and_action_of_the_module() -> None:
    assert {s.value for s in ApplicationState} == {s for pair in EXPECTED for s in pair[:1]} | FINAL
    assert {a.value for a in ApplicationAction} == {a for _, a in EXPECTED}


@pytest.mark.parametrize(
    ("state", "action"), list(itertools.product(ApplicationState, ApplicationAction)), ids=lambda v: str(v)
)
def test_every_state_and_action_pair_is_allowed_exactly_as_the_table_says_A24_2(
    state: ApplicationState, action: ApplicationAction
) -> None:
    expected = EXPECTED.get((state.value, action.value))
    if expected is not None:
        assert apply(state, action) == expected
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    problem = refused.value
    assert (problem.status, problem.requirement) == (409, "A24.2")
    assert (problem.extensions["state"], problem.extensions["action"]) == (state.value, action.value)
    assert sorted(problem.extensions["allowed_actions"]) == sorted(a for (s, a) in EXPECTED if s == state.value)


def test_the_final_states_are_those_no_action_leaves() -> None:
    assert {s.value for s in APPLICATION_LIFECYCLE.final_states(ApplicationState)} == FINAL


def test_no_path_reaches_the_agreed_state_without_an_approval_and_an_accepted_agreement_A24_3() -> None:
    # Every way into `agreed` is the acceptance of the agreement, from `approved`, which only an approval reaches.
    into_agreed = [(s, a) for (s, a), after in EXPECTED.items() if after == "agreed"]
    into_approved = [(s, a) for (s, a), after in EXPECTED.items() if after == "approved"]
    assert into_agreed == [("approved", "accept_agreement")]
    assert into_approved == [("pending", "approve")]
