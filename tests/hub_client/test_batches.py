"""Cutting a file into batches: a fixed number of records each, under ids that are the same on every run and differ
for any other push, so that a job run again has no second effect at the centre (A17.1)."""

from __future__ import annotations

import hashlib
import re
import threading
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.contracts.aggregation import BATCH_ID_PATTERN
from hub_client.batches import PIECE_RECORDS, Batch, JobIdentity, batches, file_facts, read_ahead
from hub_client.readers import open_source

IDENTITY = JobIdentity("6f1c1b9e-4d0b-4a53-9d49-3f3c2a1d9b10", "replace", "ab" * 32, 3)


def cut(path: Path, identity: JobIdentity = IDENTITY) -> list[Batch]:
    with open_source(path) as source:
        return list(batches(source, identity))


def test_a_file_is_cut_into_batches_of_the_size_the_last_one_smaller(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n" + "".join(f"{n},p{n}\n" for n in range(1, 8)), encoding="utf-8")
    cut_up = cut(path)
    assert [b.number for b in cut_up] == [1, 2, 3]
    assert [b.lines for b in cut_up] == [(2, 3, 4), (5, 6, 7), (8,)]
    assert b"".join(cut_up[0].pieces) == b"id,name\n1,p1\n2,p2\n3,p3\n"
    assert b"".join(cut_up[2].pieces) == b"id,name\n7,p7\n"  # every CSV batch starts with the header
    assert cut_up[1].line_of(2) == 6
    assert (cut_up[1].line_of(0), cut_up[1].line_of(4)) == (None, None)


def test_a_record_kept_back_still_counts_in_its_batch_so_batches_stay_where_they_were(tmp_path: Path) -> None:
    path = tmp_path / "people.ndjson"
    path.write_text('{"n": 1}\n{"n": 2}\n' + "x" * (1024 * 1024 + 1) + '\n{"n": 4}\n', encoding="utf-8")
    first, second = cut(path)
    assert (first.lines, [r.line for r in first.rejected], first.records) == ((1, 2), [3], 3)
    assert b"".join(first.pieces) == b'{"n": 1}\n{"n": 2}\n'
    assert (second.lines, second.records) == ((4,), 1)


def test_a_large_batch_is_held_in_pieces_of_a_bounded_number_of_records(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    rows = [f"{n},p{n}\n" for n in range(1, 2 * PIECE_RECORDS + 2)]
    path.write_text("id,name\n" + "".join(rows), encoding="utf-8")
    (batch,) = cut(path, JobIdentity(IDENTITY.entry_id, "replace", "ab" * 32, 3 * PIECE_RECORDS))
    assert b"".join(batch.pieces) == ("id,name\n" + "".join(rows)).encode()
    assert batch.size == len(b"".join(batch.pieces))
    # The header, then two full pieces and the rest: no piece holds more than PIECE_RECORDS records.
    assert [piece.count(b"\n") for piece in batch.pieces] == [1, PIECE_RECORDS, PIECE_RECORDS, 1]


def test_batch_ids_are_the_same_on_every_run_and_fit_the_centres_pattern_A17_1(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id\n" + "".join(f"{n}\n" for n in range(10)), encoding="utf-8")
    first_run = [b.batch_id for b in cut(path)]
    assert first_run == [b.batch_id for b in cut(path)]
    assert len(set(first_run)) == len(first_run)
    assert all(re.match(BATCH_ID_PATTERN, batch_id) for batch_id in first_run)
    text = f"hub-client/1\n{IDENTITY.entry_id}\nreplace\n{IDENTITY.file_sha256}\n3\n1"
    assert first_run[0] == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize(
    "other",
    [
        JobIdentity("00000000-0000-4000-8000-000000000000", "replace", "ab" * 32, 3),
        JobIdentity(IDENTITY.entry_id, "merge", "ab" * 32, 3),
        JobIdentity(IDENTITY.entry_id, "replace", "cd" * 32, 3),
        JobIdentity(IDENTITY.entry_id, "replace", "ab" * 32, 4),
    ],
    ids=["entry", "mode", "file", "batch-size"],
)
def test_another_push_never_reuses_a_batch_id_A17_1(other: JobIdentity) -> None:
    mine = {IDENTITY.batch_id(n) for n in range(1, 50)}
    assert mine.isdisjoint(other.batch_id(n) for n in range(1, 50))


def test_the_file_digest_is_the_sha256_of_its_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.ndjson"
    content = b'{"a": 1}\n' * 300_000  # several read pieces
    path.write_bytes(content)
    facts = file_facts(path)
    assert (facts.sha256, facts.size, facts.line_breaks) == (hashlib.sha256(content).hexdigest(), len(content), 300_000)


def test_a_batch_size_below_one_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="at least one"):
        cut(path, JobIdentity(IDENTITY.entry_id, "replace", "ab" * 32, 0))


def test_memory_stays_flat_whatever_the_size_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "big.ndjson"
    record = '{"id_number": "320200199000000001", "full_name": "居民", "address": "' + "无锡市" * 20 + '"}\n'
    path.write_text(record * 30_000, encoding="utf-8")  # about 5 MB
    identity = JobIdentity(IDENTITY.entry_id, "replace", "ab" * 32, 500)
    tracemalloc.start()
    try:
        with open_source(path) as source:
            sent = sum(len(batch.lines) for batch in batches(source, identity))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sent == 30_000
    assert peak < 1024 * 1024, f"{peak} bytes held at once for a {path.stat().st_size}-byte file"


def test_batches_read_ahead_come_in_order_and_the_same_as_read_in_turn(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,name\n" + "".join(f"{n},p{n}\n" for n in range(1, 20)), encoding="utf-8")
    with open_source(path) as source, read_ahead(batches(source, IDENTITY)) as ahead:
        read = list(ahead)
    assert read == cut(path)
    assert [b.number for b in read] == [1, 2, 3, 4, 5, 6, 7]


def _numbered(count: int, fail_at: int | None = None, taken: list[int] | None = None) -> Iterator[Batch]:
    for n in range(1, count + 1):
        if n == fail_at:
            raise OSError(f"the disk went away at batch {n}")
        if taken is not None:
            taken.append(n)
        yield Batch(n, IDENTITY.batch_id(n), (n,), (b"x\n",), ())


def test_an_error_reading_ahead_is_raised_where_the_batches_are_used_after_those_read_before_it() -> None:
    seen: list[int] = []
    with pytest.raises(OSError, match="batch 3"), read_ahead(_numbered(5, fail_at=3)) as ahead:
        seen.extend(batch.number for batch in ahead)
    assert seen == [1, 2]


def test_a_job_stopped_early_stops_reading_ahead_and_holds_at_most_one_batch_more() -> None:
    taken: list[int] = []
    before = threading.active_count()

    def push_until_refused() -> None:
        with read_ahead(_numbered(1000, taken=taken)) as ahead:
            for batch in ahead:
                if batch.number == 2:
                    raise RuntimeError("batch 2 refused")

    with pytest.raises(RuntimeError, match="refused"):
        push_until_refused()
    # The reader is joined on exit, before the file it reads would be closed, and read no further than it may.
    assert threading.active_count() == before
    assert len(taken) <= 3


def test_the_reader_starts_a_batch_only_once_the_one_before_it_is_taken() -> None:
    taken: list[int] = []
    with read_ahead(_numbered(10, taken=taken)) as ahead:
        first = next(ahead)
        deadline = time.monotonic() + 5
        while len(taken) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # time enough for a reader that ran further ahead to take batch 3
        # While batch 1 is pushed, batch 2 is read; batch 3 waits until batch 2 is taken.
        assert (first.number, taken) == (1, [1, 2])
        assert next(ahead).number == 2
