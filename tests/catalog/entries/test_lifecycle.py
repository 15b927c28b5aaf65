"""The review lifecycle of an entry version (A14.1): the whole transition table, walked."""

from __future__ import annotations

import itertools

import pytest

from catalog_svc.entries.lifecycle import ACTIONS, STATES, TRANSITIONS, apply
from hub.errors import Conflict

PAIRS = sorted(itertools.product(STATES, ACTIONS))
ALLOWED = [pair for pair in PAIRS if pair in TRANSITIONS]
REFUSED = [pair for pair in PAIRS if pair not in TRANSITIONS]


def test_the_table_only_names_known_states() -> None:
    assert {state for state, _ in TRANSITIONS} | set(TRANSITIONS.values()) <= STATES
    assert len(ALLOWED) == len(TRANSITIONS)


@pytest.mark.parametrize(("state", "action"), ALLOWED)
def test_an_allowed_action_leads_to_the_tables_state_A14_1(state: str, action: str) -> None:
    assert apply(state, action) == TRANSITIONS[(state, action)]


@pytest.mark.parametrize(("state", "action"), REFUSED)
def test_any_other_action_is_a_409_conflict_naming_what_is_allowed_A14_1(state: str, action: str) -> None:
    with pytest.raises(Conflict) as caught:
        apply(state, action)
    problem = caught.value
    assert problem.status == 409
    assert problem.requirement == "A14.1"
    assert problem.body()["requirement"] == "A14.1"
    allowed = sorted(a for (s, a) in TRANSITIONS if s == state)
    named = problem.detail.split("(allowed: ", 1)[1].rstrip(").").split(", ")
    assert named == (allowed or ["nothing"])


def test_a_draft_is_published_only_through_submission_and_approval_A14_1() -> None:
    assert apply(apply("draft", "submit"), "approve") == "published"
    for action in ("approve", "return"):
        with pytest.raises(Conflict):
            apply("draft", action)


def test_a_returned_version_is_edited_and_submitted_again_A14_1() -> None:
    returned = apply(apply("draft", "submit"), "return")
    assert returned == "returned"
    assert apply(returned, "edit") == "draft"
    assert apply(returned, "submit") == "submitted"
    with pytest.raises(Conflict):
        apply(returned, "approve")


def test_a_published_version_is_not_edited_but_superseded_or_retired_A14_1() -> None:
    with pytest.raises(Conflict):
        apply("published", "edit")
    assert apply("published", "supersede") == "superseded"
    assert apply("published", "retire") == "retired"


@pytest.mark.parametrize("state", ["superseded", "retired"])
def test_superseded_and_retired_versions_are_final_A14_1(state: str) -> None:
    assert not [action for (s, action) in TRANSITIONS if s == state]


def test_an_unknown_state_is_a_conflict_allowing_nothing_A14_1() -> None:
    with pytest.raises(Conflict, match=r"allowed: nothing"):
        apply("archived", "submit")
