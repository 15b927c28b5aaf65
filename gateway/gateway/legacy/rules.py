"""The legacy channel's lifecycle, on the mesh's one lifecycle helper (A12.1: existing channels must be integrated).

registered → integrating → integrated; a channel may also be shut down (retired) instead of integrated. An operator
moves a channel by naming the status it moves to, so the actions are named after those statuses.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from hub.lifecycle import Lifecycle


class ChannelStatus(StrEnum):
    registered = "registered"
    integrating = "integrating"
    integrated = "integrated"
    retired = "retired"


class ChannelMove(StrEnum):
    """Where an operator moves a channel."""

    integrating = "integrating"
    integrated = "integrated"
    retired = "retired"


LIFECYCLE: Lifecycle[ChannelStatus, ChannelMove] = Lifecycle(
    "legacy channel",
    {
        (ChannelStatus.registered, ChannelMove.integrating): ChannelStatus.integrating,
        (ChannelStatus.registered, ChannelMove.retired): ChannelStatus.retired,
        (ChannelStatus.integrating, ChannelMove.integrated): ChannelStatus.integrated,
        (ChannelStatus.integrating, ChannelMove.retired): ChannelStatus.retired,
    },
    requirement="A12.1",
)
REMAINING = frozenset({ChannelStatus.registered, ChannelStatus.integrating})


def next_status(current: str, wanted: str) -> ChannelStatus:
    """The new status, or IllegalTransition (409) naming the moves allowed from `current`."""
    return LIFECYCLE.apply(ChannelStatus(current), ChannelMove(wanted))


def is_overdue(status: str, deadline: date, today: date) -> bool:
    """A channel still in use after its integration deadline."""
    return status in REMAINING and deadline < today
