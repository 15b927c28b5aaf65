"""How a chunk of valid rows changes the store, decided without the database: what a merged row stores, inserts,
updates and the history entry of every change (A17.1)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from hypothesis import given
from hypothesis import strategies as st

from aggregation_svc.ingest.writes import Accepted, Change, Partial, merged_rows, planned_writes


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


REQUIRED = ("id", "name")


def sent(number: int, key: str, **values: object) -> tuple[Accepted, Partial]:
    """A row of a merge push naming `values`'s items (None: named blank, so cleared) and the key item `id`."""
    data = {"id": key, **{name: value for name, value in values.items() if value is not None}}
    return Accepted(number, key, json.dumps(data), None), Partial(data, frozenset({"id", *values}))


def test_a_merged_row_sets_the_items_it_names_and_keeps_the_others_as_stored_A17_1() -> None:
    accepted, partial = sent(1, "k", age=41)
    merged, incomplete = merged_rows(
        [accepted], {1: partial}, {"k": '{"id": "k", "name": "张三", "age": 40}'}, REQUIRED
    )
    assert incomplete == []
    assert [json.loads(m.data) for m in merged] == [{"id": "k", "name": "张三", "age": 41}]
    assert (merged[0].row_number, merged[0].key) == (1, "k")


def test_an_item_a_merged_row_names_blank_is_cleared_A17_1() -> None:
    accepted, partial = sent(1, "k", age=None)
    merged, _ = merged_rows([accepted], {1: partial}, {"k": '{"id": "k", "name": "张三", "age": 40}'}, REQUIRED)
    assert json.loads(merged[0].data) == {"id": "k", "name": "张三"}


def test_a_merged_row_making_a_new_record_without_a_required_item_stores_nothing_and_names_it_A17_1() -> None:
    accepted, partial = sent(1, "new", age=3)
    merged, incomplete = merged_rows([accepted], {1: partial}, {}, REQUIRED)
    assert (merged, incomplete) == ([], [(1, ["name"])])


def test_a_merged_row_cannot_clear_a_required_item_A17_1() -> None:
    accepted, partial = sent(1, "k", name=None)
    merged, incomplete = merged_rows([accepted], {1: partial}, {"k": '{"id": "k", "name": "张三"}'}, REQUIRED)
    assert (merged, incomplete) == ([], [(1, ["name"])])


def test_rows_of_one_key_in_a_chunk_merge_into_what_the_row_before_left_A17_1() -> None:
    whole = Accepted(1, "k", json.dumps({"id": "k", "name": "李四", "age": 20}), None)
    first, first_part = sent(2, "k", age=21)
    second, second_part = sent(3, "k", note="x")
    refused, refused_part = sent(4, "k", name=None)  # cannot clear a required item: the next row does not see it
    third, third_part = sent(5, "k", age=22)
    partial = {2: first_part, 3: second_part, 4: refused_part, 5: third_part}
    merged, incomplete = merged_rows([whole, first, second, refused, third], partial, {}, REQUIRED)
    assert incomplete == [(4, ["name"])]
    assert [json.loads(m.data) for m in merged] == [
        {"id": "k", "name": "李四", "age": 20},
        {"id": "k", "name": "李四", "age": 21},
        {"id": "k", "name": "李四", "age": 21, "note": "x"},
        {"id": "k", "name": "李四", "age": 22, "note": "x"},
    ]


def test_a_row_naming_every_item_is_stored_as_it_is_even_in_a_merge_A17_1() -> None:
    whole = Accepted(1, "k", '{"id":"k","name":"王五"}', None)
    merged, incomplete = merged_rows([whole], {}, {"k": '{"id": "k", "name": "x", "age": 1}'}, REQUIRED)
    assert (merged, incomplete) == ([whole], [])


def test_stored_integers_beyond_64_bits_are_kept_exactly_A17_1() -> None:
    big = 2**70 + 1  # a double would round it
    accepted, partial = sent(1, "k", name="赵六")
    merged, _ = merged_rows([accepted], {1: partial}, {"k": f'{{"id": "k", "name": "x", "count": {big}}}'}, REQUIRED)
    assert json.loads(merged[0].data)["count"] == big
