"""The review lifecycle of an entry version (A14.1) as one table of allowed transitions (hub.lifecycle).

Drafts are edited and submitted; the bureau approves (publishes) or returns them with reasons; a returned version
is edited again; a published version is superseded by a newer one or retired. Anything else is a 409
`illegal-transition` naming the version's state and the actions it allows, citing A14.1.
"""

from __future__ import annotations

from enum import StrEnum

from hub.contracts.vocabulary import EntryState
from hub.lifecycle import Lifecycle


class EntryAction(StrEnum):
    """What is done to an entry version."""

    edit = "edit"  # the agency changes the draft (or the returned version)
    submit = "submit"  # the agency sends it for review
    approve = "approve"  # the bureau publishes it into the unified catalogue
    return_ = "return"  # the bureau returns it with reasons
    supersede = "supersede"  # a newer version of the entry is published
    retire = "retire"  # the entry leaves the catalogue


ENTRY_LIFECYCLE: Lifecycle[EntryState, EntryAction] = Lifecycle(
    "version",
    {
        (EntryState.draft, EntryAction.edit): EntryState.draft,
        (EntryState.draft, EntryAction.submit): EntryState.submitted,
        (EntryState.returned, EntryAction.edit): EntryState.draft,
        (EntryState.returned, EntryAction.submit): EntryState.submitted,
        (EntryState.submitted, EntryAction.approve): EntryState.published,
        (EntryState.submitted, EntryAction.return_): EntryState.returned,
        (EntryState.published, EntryAction.supersede): EntryState.superseded,
        (EntryState.published, EntryAction.retire): EntryState.retired,
    },
    requirement="A14.1",
)


def apply(state: str, action: EntryAction) -> EntryState:
    """The state after `action` on a version stored in `state`, or IllegalTransition (409, A14.1)."""
    return ENTRY_LIFECYCLE.apply(EntryState(state), action)
