"""The lifecycle of an error report or objection (A26.1), one table of allowed transitions (hub.lifecycle).

A report is received by the agency responsible for the data (the entry's collecting agency); its officer takes it
up and answers it: corrected (the error was fixed, the objection upheld) or rejected (the data stands, and the
answer says why). The reporter sees the state and the answer.
"""

from __future__ import annotations

from enum import StrEnum

from hub.lifecycle import Lifecycle


class ReportState(StrEnum):
    new = "new"  # being made: never stored
    received = "received"  # routed to the responsible agency, not yet taken up
    handling = "handling"  # an officer of the agency took it up
    corrected = "corrected"  # answered: corrected or upheld (final)
    rejected = "rejected"  # answered: the data stands, with the reasons (final)


class ReportAction(StrEnum):
    report = "report"  # the reporter: anyone on an open dataset, an agency on shared data
    take_up = "take_up"  # an officer of the responsible agency
    correct = "correct"  # an officer of the responsible agency, with the answer
    reject = "reject"  # an officer of the responsible agency, with the answer


S, A = ReportState, ReportAction

REPORT_LIFECYCLE: Lifecycle[ReportState, ReportAction] = Lifecycle(
    "report",
    {
        (S.new, A.report): S.received,
        (S.received, A.take_up): S.handling,
        (S.received, A.correct): S.corrected,
        (S.received, A.reject): S.rejected,
        (S.handling, A.correct): S.corrected,
        (S.handling, A.reject): S.rejected,
    },
    requirement="A26.1",
)
UNANSWERED = (S.received, S.handling)


def apply(state: str, action: ReportAction) -> ReportState:
    """The state after `action` on a report stored in `state`, or IllegalTransition (409, A26.1)."""
    return REPORT_LIFECYCLE.apply(ReportState(state), action)
