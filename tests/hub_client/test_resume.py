"""A job's saved state: the batches it has done, read back on a rerun of the same push, ignored for another, and a
rerun that would cut the same file differently refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub_client.batches import JobIdentity
from hub_client.errors import ResumeError
from hub_client.resume import BatchDone, ResumeState, read_done

IDENTITY = JobIdentity("6f1c1b9e-4d0b-4a53-9d49-3f3c2a1d9b10", "replace", "ab" * 32, 100)


def done(number: int, **counts: int) -> BatchDone:
    return BatchDone(number, IDENTITY.batch_id(number), counts.get("received", 100), counts.get("stored", 98),
                     counts.get("quarantined", 2), 0, replayed=False)  # fmt: skip


def test_no_state_file_is_no_state(tmp_path: Path) -> None:
    assert read_done(tmp_path / "none.jsonl", IDENTITY) is None


def test_the_batches_noted_are_read_back_by_a_rerun_of_the_same_push(tmp_path: Path) -> None:
    path = tmp_path / "job.state.jsonl"
    state = ResumeState(path, IDENTITY, resuming=False)
    state.record(done(1))
    state.record(done(2, stored=100, quarantined=0))
    state.close()
    assert read_done(path, IDENTITY) == {1: done(1), 2: done(2, stored=100, quarantined=0)}
    resumed = ResumeState(path, IDENTITY, resuming=True)
    resumed.record(done(3))
    resumed.close()
    assert sorted(read_done(path, IDENTITY) or {}) == [1, 2, 3]


def test_a_line_cut_off_by_a_kill_is_ignored_and_dropped_when_the_job_resumes(tmp_path: Path) -> None:
    path = tmp_path / "job.state.jsonl"
    state = ResumeState(path, IDENTITY, resuming=False)
    state.record(done(1))
    state.close()
    with path.open("a") as file:
        file.write('{"number": 2, "batch_id": "')
    assert sorted(read_done(path, IDENTITY) or {}) == [1]
    resumed = ResumeState(path, IDENTITY, resuming=True)
    resumed.record(done(2))
    resumed.close()
    assert sorted(read_done(path, IDENTITY) or {}) == [1, 2]


@pytest.mark.parametrize(
    "other",
    [
        JobIdentity("00000000-0000-4000-8000-000000000000", "replace", "ab" * 32, 100),
        JobIdentity(IDENTITY.entry_id, "merge", "ab" * 32, 100),
        JobIdentity(IDENTITY.entry_id, "replace", "cd" * 32, 100),  # the file changed
    ],
    ids=["entry", "mode", "file"],
)
def test_the_state_of_another_push_is_not_resumed(tmp_path: Path, other: JobIdentity) -> None:
    path = tmp_path / "job.state.jsonl"
    ResumeState(path, IDENTITY, resuming=False).close()
    assert read_done(path, other) is None


def test_the_same_file_in_batches_of_another_size_is_refused_rather_than_pushed_again(tmp_path: Path) -> None:
    path = tmp_path / "job.state.jsonl"
    ResumeState(path, IDENTITY, resuming=False).close()
    other_size = JobIdentity(IDENTITY.entry_id, "replace", "ab" * 32, 500)
    with pytest.raises(ResumeError, match="--batch-size 100"):
        read_done(path, other_size)


def test_a_state_file_that_is_not_one_is_no_state(tmp_path: Path) -> None:
    path = tmp_path / "job.state.jsonl"
    path.write_text("not json\n")
    assert read_done(path, IDENTITY) is None
    path.write_text("[1, 2]\n")
    assert read_done(path, IDENTITY) is None
