"""The in-memory tally of views and downloads (A24.1): what it shows as pending while it is being added, and that
nothing is lost when adding fails."""

from __future__ import annotations

import uuid

from open_svc.datasets.counters import Tally

A, B = uuid.uuid4(), uuid.uuid4()


def test_a_tally_counts_views_and_downloads_per_dataset() -> None:
    tally = Tally()
    for _ in range(3):
        tally.viewed(A)
    tally.downloaded(A)
    tally.downloaded(B)
    assert (tally.pending(A), tally.pending(B)) == ((3, 1), (0, 1))


def test_tallies_being_added_still_show_until_committed_then_not_twice() -> None:
    tally = Tally()
    tally.viewed(A)
    taken = tally.take()
    assert taken == {A: (1, 0)}
    tally.viewed(A)  # while the first is being added
    assert tally.pending(A) == (2, 0)
    tally.added()
    assert tally.pending(A) == (1, 0)
    assert tally.take() == {A: (1, 0)}


def test_tallies_that_failed_to_be_added_are_kept_for_the_next_flush() -> None:
    tally = Tally()
    tally.downloaded(B)
    taken = tally.take()
    tally.downloaded(B)
    tally.give_back(taken)
    assert tally.pending(B) == (0, 2)
    assert tally.take() == {B: (0, 2)}
