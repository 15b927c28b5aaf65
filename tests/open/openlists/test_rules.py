"""How a publication or a retirement changes an agency's open list (A23.1), as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from factories import entry_published
from hub.contracts.catalog import DataItemSpec
from hub.contracts.vocabulary import OpenType, Secrecy, ShareType, UpdateCycle
from hub.published_catalogue import PublishedVersion
from hub.published_catalogue.versions import PUBLISHED_FIELDS
from open_svc.openlists.rules import ListChange, publication_change, retirement_change


def version(**overrides: object) -> PublishedVersion:
    """An unconditionally open entry as a read model holds it."""
    event = entry_published(open_type="unconditional", secrecy="public")
    values = {name: getattr(event, name) for name in PUBLISHED_FIELDS} | {"items": tuple(event.items)}
    return replace(PublishedVersion(**values, retired_at=None), **overrides)  # type: ignore[arg-type]


OPEN = version()
NOT_OPEN = replace(OPEN, version=2, open_type=OpenType.not_open, open_legal_basis="《个人信息保护法》")


def test_an_entry_published_open_is_added_to_its_agencys_list_A23_1() -> None:
    assert publication_change(None, OPEN) == ListChange("added", OpenType.unconditional)


def test_an_entry_published_not_open_or_secret_never_enters_the_list_A22_1_A38_1() -> None:
    assert publication_change(None, NOT_OPEN) is None
    assert publication_change(None, replace(OPEN, secrecy=Secrecy.secret)) is None
    assert publication_change(NOT_OPEN, replace(NOT_OPEN, version=3, name="改名")) is None


def test_an_entry_that_becomes_open_is_added_and_one_that_stops_being_open_is_removed_A23_1() -> None:
    assert publication_change(NOT_OPEN, replace(OPEN, version=3)) == ListChange("added", OpenType.unconditional)
    assert publication_change(OPEN, NOT_OPEN) == ListChange("removed", OpenType.unconditional)
    assert publication_change(OPEN, replace(OPEN, version=2, secrecy=Secrecy.secret)) == ListChange(
        "removed", OpenType.unconditional
    )


def test_a_listed_attribute_that_changed_is_a_dated_change_with_before_and_after_A23_1() -> None:
    conditional = replace(OPEN, version=2, open_type=OpenType.conditional, open_conditions="签订协议",
                          update_cycle=UpdateCycle.weekly)  # fmt: skip
    assert publication_change(OPEN, conditional) == ListChange(
        "changed",
        OpenType.conditional,
        {
            "open_type": {"before": "unconditional", "after": "conditional"},
            "open_conditions": {"before": None, "after": "签订协议"},
            "update_cycle": {"before": "daily", "after": "weekly"},
        },
    )


def test_a_new_item_changes_the_list_and_shows_the_items_before_and_after_A23_1() -> None:
    extra = DataItemSpec(name="gender", label="性别", data_type="string")
    change = publication_change(OPEN, replace(OPEN, version=2, items=(*OPEN.items, extra)))
    assert change is not None
    assert (change.change, list(change.changes)) == ("changed", ["items"])
    assert change.changes["items"]["after"][-1] == {"name": "gender", "label": "性别", "data_type": "string"}


def test_a_version_changing_nothing_listed_changes_nothing_A23_1() -> None:
    assert publication_change(OPEN, OPEN) is None  # the same version delivered again
    unlisted = replace(OPEN, version=2, share_type=ShareType.conditional, published_at=datetime(2026, 5, 1, tzinfo=UTC))
    assert publication_change(OPEN, unlisted) is None


def test_a_retired_entry_leaves_the_list_if_it_was_on_it_A23_1() -> None:
    retired = datetime(2026, 6, 1, tzinfo=UTC)
    assert retirement_change(replace(OPEN, retired_at=retired)) == ListChange("removed", OpenType.unconditional)
    assert retirement_change(replace(NOT_OPEN, retired_at=retired)) is None
