"""The lifecycle of a share application (A20.1–A20.3), one table of allowed transitions (hub.lifecycle), in the
manner of a dataspace contract negotiation: every state and step named, anything else a 409 naming the state and
the actions it allows.

An unconditional entry's application is granted as it is made (A20.1). A conditional one is reviewed by the
provider agency's officer and by the bureau's reviewer of the entry's region, in either order (A20.2): both must
approve for a grant; either may refuse, with reasons. A refused applicant may dispute the refusal once (A20.3); the
dispute's outcome grants the application or closes it. While undecided, the applicant may withdraw, and a new
catalogue version or a retirement that leaves nothing to share terminates it.
"""

from __future__ import annotations

from enum import StrEnum

from hub.lifecycle import Lifecycle


class ApplicationState(StrEnum):
    """Where an application stands."""

    new = "new"  # being made: never stored, the state before the first step
    requested = "requested"  # awaiting both reviews
    provider_approved = "provider_approved"  # the provider approved; awaiting the bureau
    bureau_approved = "bureau_approved"  # the bureau approved; awaiting the provider
    granted = "granted"  # a grant was issued (final)
    refused = "refused"  # refused with reasons; may be disputed
    disputed = "disputed"  # the refusal is disputed (A20.3)
    dispute_dismissed = "dispute_dismissed"  # the dispute was decided against the applicant (final)
    withdrawn = "withdrawn"  # the applicant withdrew before a decision (final)
    terminated = "terminated"  # the entry was retired or no longer shares what was asked (final)


class ApplicationAction(StrEnum):
    """What is done to an application, and by whom."""

    apply_unconditional = "apply_unconditional"  # the applicant, for an unconditional entry (A20.1)
    apply_conditional = "apply_conditional"  # the applicant, for a conditional entry (A20.2)
    provider_approve = "provider_approve"  # the provider agency's officer
    provider_refuse = "provider_refuse"
    bureau_approve = "bureau_approve"  # the bureau's reviewer of the entry's region
    bureau_refuse = "bureau_refuse"
    withdraw = "withdraw"  # the applicant
    grant_unconditionally = "grant_unconditionally"  # the hub: the entry became unconditional while under review
    terminate = "terminate"  # the hub: the entry was retired or may no longer be shared as asked
    dispute = "dispute"  # the refused applicant (A20.3)
    uphold = "uphold"  # the dispute is decided for the applicant (bureau or government)
    dismiss = "dismiss"  # the dispute is decided against the applicant


S, A = ApplicationState, ApplicationAction
UNDECIDED = (S.requested, S.provider_approved, S.bureau_approved)

APPLICATION_LIFECYCLE: Lifecycle[ApplicationState, ApplicationAction] = Lifecycle(
    "application",
    {
        (S.new, A.apply_unconditional): S.granted,
        (S.new, A.apply_conditional): S.requested,
        (S.requested, A.provider_approve): S.provider_approved,
        (S.requested, A.bureau_approve): S.bureau_approved,
        (S.requested, A.provider_refuse): S.refused,
        (S.requested, A.bureau_refuse): S.refused,
        (S.provider_approved, A.bureau_approve): S.granted,
        (S.provider_approved, A.bureau_refuse): S.refused,
        (S.bureau_approved, A.provider_approve): S.granted,
        (S.bureau_approved, A.provider_refuse): S.refused,
        **{(state, A.withdraw): S.withdrawn for state in UNDECIDED},
        **{(state, A.grant_unconditionally): S.granted for state in UNDECIDED},
        **{(state, A.terminate): S.terminated for state in UNDECIDED},
        (S.refused, A.dispute): S.disputed,
        (S.disputed, A.uphold): S.granted,
        (S.disputed, A.dismiss): S.dispute_dismissed,
        (S.disputed, A.terminate): S.terminated,
    },
    requirement="A20.2",
)


def apply(state: str, action: ApplicationAction) -> ApplicationState:
    """The state after `action` on an application stored in `state`, or IllegalTransition (409, A20.2)."""
    return APPLICATION_LIFECYCLE.apply(ApplicationState(state), action)
