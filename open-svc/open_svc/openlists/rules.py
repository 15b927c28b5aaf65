"""How a publication or a retirement changes an agency's open list (A23.1), as pure functions.

An agency's open list is its published entries that are open (hub.published_catalogue.openness: open type
unconditional or conditional, not secret, not retired; A22.1, A38.1). A new version adds the entry to the list when
it becomes open, removes it when it stops being open, and otherwise changes it when an attribute the list shows
changed; a retirement removes an entry that was listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hub.contracts.vocabulary import OpenType
from hub.published_catalogue import PublishedVersion
from hub.published_catalogue.openness import is_open

Change = Literal["added", "removed", "changed"]

# What the open list shows of an entry; a change of any of them is a dated change of the list.
LISTED_ATTRIBUTES = (
    "name",
    "summary",
    "open_type",
    "open_conditions",
    "update_cycle",
    "category",
    "base_database",
    "items",
)


@dataclass(frozen=True)
class ListChange:
    """One change of an open list: what happened, the open type the list shows (before a removal, after anything
    else) and, for a change of attributes, each changed one as {"before": …, "after": …}."""

    change: Change
    open_type: OpenType
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)


def listed_value(version: PublishedVersion, attribute: str) -> Any:
    """An attribute as the open list shows it (JSON-ready): items as their names, labels and types."""
    if attribute == "items":
        return [{"name": i.name, "label": i.label, "data_type": str(i.data_type)} for i in version.items]
    value = getattr(version, attribute)
    return None if value is None else str(value)


def publication_change(before: PublishedVersion | None, after: PublishedVersion) -> ListChange | None:
    """How holding `after` instead of `before` changes the agency's open list (A23.1); None when it does not."""
    was_open, now_open = before is not None and is_open(before), is_open(after)
    if now_open and not was_open:
        return ListChange("added", after.open_type)
    if was_open and not now_open:
        assert before is not None
        return ListChange("removed", before.open_type)
    if not now_open:
        return None
    assert before is not None
    changes = {
        attribute: {"before": listed_value(before, attribute), "after": listed_value(after, attribute)}
        for attribute in LISTED_ATTRIBUTES
        if listed_value(before, attribute) != listed_value(after, attribute)
    }
    return ListChange("changed", after.open_type, changes) if changes else None


def retirement_change(entry: PublishedVersion) -> ListChange | None:
    """A retirement removes the entry from its agency's open list if it was listed: open up to its retirement."""
    was_listed = is_open(replace(entry, retired_at=None))
    return ListChange("removed", entry.open_type) if was_listed else None
