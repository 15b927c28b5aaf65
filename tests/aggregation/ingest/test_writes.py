"""How a chunk of valid rows changes the store, decided without the database: inserts, updates and the history
entry of every change (A17.1)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from aggregation_svc.ingest.writes import Accepted, Change, planned_writes


def row(number: int, key: str) -> Accepted:
    return Accepted(number, key, json.dumps({"row": number}), None)


def test_new_keys_are_inserted_at_version_1_A17_1() -> None:
    a, b = row(1, "a"), row(2, "b")
    writes = planned_writes([a, b], {})
    assert writes.inserts == [Change(a, "inserted", 1), Change(b, "inserted", 1)]
    assert writes.updates == []
    assert writes.history == [Change(a, "inserted", 1), Change(b, "inserted", 1)]
    assert (writes.inserted, writes.updated) == (2, 0)


def test_stored_keys_are_updated_to_their_next_version_A17_1() -> None:
    a, b = row(1, "a"), row(2, "b")
    writes = planned_writes([a, b], {"a": 1, "b": 7})
    assert writes.inserts == []
    assert writes.updates == [Change(a, "updated", 2), Change(b, "updated", 8)]
    assert writes.history == [Change(a, "updated", 2), Change(b, "updated", 8)]
    assert (writes.inserted, writes.updated) == (0, 2)


def test_a_new_key_pushed_twice_is_inserted_then_updated_and_written_once_as_last_pushed_A17_1() -> None:
    first, second = row(1, "a"), row(2, "a")
    writes = planned_writes([first, second], {})
    assert writes.history == [Change(first, "inserted", 1), Change(second, "updated", 2)]
    assert writes.inserts == [Change(second, "updated", 2)]  # one record, the second row's data, at version 2
    assert writes.updates == []
    assert (writes.inserted, writes.updated) == (1, 1)


def test_a_stored_key_pushed_twice_changes_twice_and_is_written_once_as_last_pushed_A17_1() -> None:
    first, second = row(1, "a"), row(2, "a")
    writes = planned_writes([first, second], {"a": 4})
    assert writes.history == [Change(first, "updated", 5), Change(second, "updated", 6)]
    assert writes.updates == [Change(second, "updated", 6)]
    assert writes.inserts == []
    assert (writes.inserted, writes.updated) == (0, 2)


def test_the_history_keeps_the_order_rows_were_pushed_in_A17_1() -> None:
    pushed = [row(1, "new"), row(2, "old"), row(3, "new"), row(4, "other"), row(5, "old"), row(6, "new")]
    writes = planned_writes(pushed, {"old": 2})
    assert [(c.row, c.operation, c.version) for c in writes.history] == [
        (pushed[0], "inserted", 1), (pushed[1], "updated", 3), (pushed[2], "updated", 2),
        (pushed[3], "inserted", 1), (pushed[4], "updated", 4), (pushed[5], "updated", 3),
    ]  # fmt: skip
    assert sorted(writes.inserts) == sorted([Change(pushed[5], "updated", 3), Change(pushed[3], "inserted", 1)])
    assert writes.updates == [Change(pushed[4], "updated", 4)]
    assert (writes.inserted, writes.updated) == (2, 4)


def test_an_empty_chunk_writes_nothing_A17_1() -> None:
    writes = planned_writes([], {"a": 1})
    assert (writes.inserts, writes.updates, writes.history) == ([], [], [])
    assert (writes.inserted, writes.updated) == (0, 0)


keys = st.sampled_from(["a", "b", "c", "d", "e", '["x",1]'])


@given(pushed=st.lists(keys, max_size=40), stored=st.dictionaries(keys, st.integers(1, 10**9)))
def test_replaying_the_history_gives_the_records_written_A17_1(pushed: list[str], stored: Mapping[str, int]) -> None:
    rows = [row(number, key) for number, key in enumerate(pushed, start=1)]
    writes = planned_writes(rows, stored)

    assert [change.row for change in writes.history] == rows  # every row once, in the order pushed

    versions, last = dict(stored), {}
    for change in writes.history:
        key = change.row.key
        assert change.operation == ("updated" if key in versions else "inserted")
        assert change.version == versions.get(key, 0) + 1
        versions[key], last[key] = change.version, change

    written = writes.inserts + writes.updates
    assert len(written) == len(last)  # each changed record written once: inserts and updates are disjoint
    assert {change.row.key: change for change in written} == last
    assert {change.row.key for change in writes.inserts} == set(pushed) - set(stored)
    assert {change.row.key for change in writes.updates} == set(pushed) & set(stored)
    assert writes.inserted == sum(change.operation == "inserted" for change in writes.history)
    assert writes.inserted == len(set(pushed) - set(stored))
    assert writes.inserted + writes.updated == len(rows)
