"""The lifecycle of a dispute over a refused share application (A20.3): the bureau coordinates (its notes are
dated and attributed), and decides or escalates to the region's government, whose decision is recorded. A dispute
whose application is terminated meanwhile (its entry retired, or no longer shared as asked) lapses: nothing is
left to decide.
"""

from __future__ import annotations

from enum import StrEnum

from hub.lifecycle import Lifecycle


class DisputeState(StrEnum):
    new = "new"  # being raised: never stored
    open = "open"  # raised; the bureau coordinates
    escalated = "escalated"  # the bureau referred it to the region's government
    decided = "decided"  # decided, by the bureau or by the government (final)
    lapsed = "lapsed"  # the application was terminated while disputed (final)


class DisputeAction(StrEnum):
    raise_ = "raise"  # the refused applicant, with its statement
    note = "note"  # the bureau records a coordination note
    decide = "decide"  # the bureau decides: upheld or dismissed
    escalate = "escalate"  # the bureau refers it to the region's government, with its reasons
    record_government_decision = "record_government_decision"  # the bureau records what the government decided
    lapse = "lapse"  # the hub: the disputed application was terminated


S, A = DisputeState, DisputeAction

DISPUTE_LIFECYCLE: Lifecycle[DisputeState, DisputeAction] = Lifecycle(
    "dispute",
    {
        (S.new, A.raise_): S.open,
        (S.open, A.note): S.open,
        (S.open, A.decide): S.decided,
        (S.open, A.escalate): S.escalated,
        (S.escalated, A.note): S.escalated,
        (S.escalated, A.record_government_decision): S.decided,
        (S.open, A.lapse): S.lapsed,
        (S.escalated, A.lapse): S.lapsed,
    },
    requirement="A20.3",
)


class DisputeOutcome(StrEnum):
    upheld = "upheld"  # for the applicant: the application is granted
    dismissed = "dismissed"  # against the applicant: the refusal stands


def apply(state: str, action: DisputeAction) -> DisputeState:
    """The state after `action` on a dispute stored in `state`, or IllegalTransition (409, A20.3)."""
    return DISPUTE_LIFECYCLE.apply(DisputeState(state), action)


# A dispute awaiting a decision: before the bureau, or before the region's government (A20.3, A32.1).
UNRESOLVED = (DisputeState.open, DisputeState.escalated)
