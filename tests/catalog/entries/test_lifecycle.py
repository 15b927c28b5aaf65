"""The review lifecycle of an entry version (A14.1), walked over every (state, action) pair.

The expectation is written here by hand from A14.1 (docs/requirements.md: "Draft → submitted → published or
returned with reasons; only published entries are visible to others") and what follows from it: an agency edits
and submits its draft, or its returned version; the bureau approves (publishes) or returns a submitted one; a
published version gives way to the next published one (superseded) or leaves with its entry (retired); superseded
and retired versions are final. It is not read from the module under test.
"""

from __future__ import annotations

import pytest

from catalog_svc.entries.lifecycle import ENTRY_LIFECYCLE, EntryAction, apply
from hub.contracts.vocabulary import EntryState
from hub.lifecycle import IllegalTransition

S, A = EntryState, EntryAction
# state → {action: the state after it}; an action not listed is illegal in that state.
EXPECTED: dict[EntryState, dict[EntryAction, EntryState]] = {
    S.draft: {A.edit: S.draft, A.submit: S.submitted},
    S.submitted: {A.approve: S.published, A.return_: S.returned},
    S.returned: {A.edit: S.draft, A.submit: S.submitted},
    S.published: {A.supersede: S.superseded, A.retire: S.retired},
    S.superseded: {},
    S.retired: {},
}
PAIRS = [(state, action) for state in EntryState for action in EntryAction]


def test_the_expectation_covers_every_state() -> None:
    assert set(EXPECTED) == set(EntryState)


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_and_action_leads_where_A14_1_says_or_is_a_409_naming_the_state_and_what_it_allows(
    state: EntryState, action: EntryAction
) -> None:
    allowed = EXPECTED[state]
    if action in allowed:
        assert apply(state, action) == allowed[action]
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    problem = refused.value
    assert problem.status == 409
    body = problem.body()
    assert body["type"] == "/problems/illegal-transition"
    assert body["requirement"] == "A14.1"
    assert (body["state"], body["action"]) == (state.value, action.value)
    assert set(body["allowed_actions"]) == {a.value for a in allowed}
    assert state.value in problem.detail


def test_the_table_allows_nothing_the_expectation_does_not() -> None:
    declared = {(state, action) for state in EntryState for action in ENTRY_LIFECYCLE.allowed(state)}
    assert declared == {(state, action) for state, actions in EXPECTED.items() for action in actions}


def test_a_draft_is_published_only_through_submission_and_approval_A14_1() -> None:
    assert apply(apply(S.draft, A.submit), A.approve) == S.published
    assert ENTRY_LIFECYCLE.final_states(EntryState) == [S.superseded, S.retired]


def test_a_version_stored_as_text_is_read_as_its_state_A14_1() -> None:
    # Versions keep their state as text in the database.
    assert apply("returned", A.submit) == S.submitted
