"""The lifecycle of an error report or objection walked whole (A26.1), against a table written by hand from the
Measures: the responsible agency receives the report, may take it up, and answers it as corrected or rejected; an
answered report is final. Every other (state, action) pair is a 409 naming what the state allows."""

from __future__ import annotations

import itertools

import pytest

from hub.lifecycle import IllegalTransition
from open_svc.feedback.lifecycle import REPORT_LIFECYCLE, ReportAction, ReportState, apply

EXPECTED: dict[tuple[str, str], str] = {
    ("new", "report"): "received",
    ("received", "take_up"): "handling",
    ("received", "correct"): "corrected",
    ("received", "reject"): "rejected",
    ("handling", "correct"): "corrected",
    ("handling", "reject"): "rejected",
}


@pytest.mark.parametrize(("state", "action"), list(itertools.product(ReportState, ReportAction)), ids=str)
def test_every_state_and_action_pair_is_allowed_exactly_as_the_table_says_A26_1(
    state: ReportState, action: ReportAction
) -> None:
    expected = EXPECTED.get((state.value, action.value))
    if expected is not None:
        assert apply(state, action) == expected
        return
    with pytest.raises(IllegalTransition) as refused:
        apply(state, action)
    assert (refused.value.status, refused.value.requirement) == (409, "A26.1")
    assert sorted(refused.value.extensions["allowed_actions"]) == sorted(a for (s, a) in EXPECTED if s == state)


def test_an_answered_report_is_final_A26_1() -> None:
    assert {s.value for s in REPORT_LIFECYCLE.final_states(ReportState)} == {"corrected", "rejected"}
