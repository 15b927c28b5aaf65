"""The lifecycle of a conditional open application (A24.2, A24.3), one table of allowed transitions (hub.lifecycle).

A registered applicant applies to the collecting agency; its officer approves (the items, or fewer of them) or
refuses with reasons within 10 working days. An approved applicant accepts the open-use agreement before any data
key is issued (A24.3); the agency or the bureau may later revoke the access the application gave. While undecided
or not yet agreed, the applicant may withdraw.
"""

from __future__ import annotations

from enum import StrEnum

from hub.lifecycle import Lifecycle


class ApplicationState(StrEnum):
    """Where an application stands."""

    new = "new"  # being made: never stored, the state before the first step
    pending = "pending"  # awaiting the collecting agency's answer (10 working days, A24.2)
    approved = "approved"  # approved; awaiting the applicant's acceptance of the agreement (A24.3)
    agreed = "agreed"  # the agreement accepted: data keys may be issued (A24.3)
    refused = "refused"  # refused with reasons (final)
    withdrawn = "withdrawn"  # the applicant withdrew (final)
    revoked = "revoked"  # the agency or the bureau ended the access (final)


class ApplicationAction(StrEnum):
    """What is done to an application, and by whom."""

    apply = "apply"  # the applicant (a registered portal user)
    approve = "approve"  # an officer of the collecting agency
    refuse = "refuse"  # an officer of the collecting agency, with reasons
    accept_agreement = "accept_agreement"  # the applicant
    withdraw = "withdraw"  # the applicant
    revoke_access = "revoke_access"  # an officer of the collecting agency, or the bureau


S, A = ApplicationState, ApplicationAction

APPLICATION_LIFECYCLE: Lifecycle[ApplicationState, ApplicationAction] = Lifecycle(
    "open application",
    {
        (S.new, A.apply): S.pending,
        (S.pending, A.approve): S.approved,
        (S.pending, A.refuse): S.refused,
        (S.pending, A.withdraw): S.withdrawn,
        (S.approved, A.accept_agreement): S.agreed,
        (S.approved, A.withdraw): S.withdrawn,
        (S.approved, A.revoke_access): S.revoked,
        (S.agreed, A.revoke_access): S.revoked,
    },
    requirement="A24.2",
)


def apply(state: str, action: ApplicationAction) -> ApplicationState:
    """The state after `action` on an application stored in `state`, or IllegalTransition (409, A24.2)."""
    return APPLICATION_LIFECYCLE.apply(ApplicationState(state), action)
