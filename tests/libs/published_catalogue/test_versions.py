"""The version rule of the published-catalogue read model, without a database: an older version never rolls a newer
one back, and a retirement is final (A14.1)."""

from __future__ import annotations

import pytest

from hub.contracts.catalog import EntryPublished
from hub.published_catalogue.versions import PUBLISHED_FIELDS, publication_applies, retirement_applies

# (incoming version, held version or None, held retired?) → whether the publication becomes the held version.
PUBLICATIONS = [
    (1, None, False, True),  # an entry new to the service
    (2, 1, False, True),  # its next version
    (5, 2, False, True),  # versions a service never saw in between (drafts returned, never published)
    (2, 2, False, True),  # the same version delivered again: the same elements, re-applied
    (1, 2, False, False),  # an older version redelivered after a newer one
    (1, 3, False, False),
    (2, 2, True, False),  # the retired version's publication redelivered after its retirement
    (1, 2, True, False),
    (3, 2, True, True),  # a newer version than the one retired
]


@pytest.mark.parametrize(("incoming", "held", "retired", "applies"), PUBLICATIONS)
def test_a_publication_applies_only_when_not_older_than_the_held_version_A14_1(
    incoming: int, held: int | None, retired: bool, applies: bool
) -> None:
    assert publication_applies(incoming, held, retired) is applies


# (retired version, held version or None, held retired?) → whether the entry becomes retired.
RETIREMENTS = [
    (1, 1, False, True),
    (2, 1, False, True),  # retired at a version whose publication this service never saw
    (1, 2, False, False),  # a retirement older than the version published since
    (1, 1, True, False),  # retired already: the first retirement's time stays
    (1, None, False, False),  # an entry the service never saw published
]


@pytest.mark.parametrize(("retired_version", "held", "retired", "applies"), RETIREMENTS)
def test_a_retirement_applies_to_the_held_version_or_an_older_one_once_A14_1(
    retired_version: int, held: int | None, retired: bool, applies: bool
) -> None:
    assert retirement_applies(retired_version, held, retired) is applies


def test_the_read_model_holds_every_element_of_a_published_entry() -> None:
    # A field added to EntryPublished fails here until the read model (mixin, value, migration) holds it too.
    assert set(PUBLISHED_FIELDS) == set(EntryPublished.model_fields)
