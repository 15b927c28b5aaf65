"""The errors file: one JSON line per problem of a row (batch, file line, field, reason), the centre's rows mapped
back to the file's lines, and a rerun keeping each row's errors once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hub_client.batches import Batch
from hub_client.readers import SourceRecord
from hub_client.row_errors import RowErrors, quarantine_errors, refusal_errors, rejected_errors

BATCH = Batch(3, "b" * 64, (20, 22, 25), (), (SourceRecord(23, b"", "longer than 1048576 bytes"),))


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_quarantined_row_is_reported_at_its_line_in_the_file_once_per_problem_A17_1() -> None:
    quarantine = [
        {"row": 2, "problems": [{"field": "age", "reason": "expected an integer", "requirement": "A17.1"},
                                {"field": "full_name", "reason": "required", "requirement": "A17.1"}], "raw": ""},
        {"row": 3, "problems": [{"field": "_consent_id", "reason": "no valid consent", "requirement": "A16.1"}]},
    ]  # fmt: skip
    assert [(e["batch"], e["line"], e["row"], e["field"], e["reason"], e["requirement"])
            for e in quarantine_errors(BATCH, quarantine)] == [
        (3, 22, 2, "age", "expected an integer", "A17.1"),
        (3, 22, 2, "full_name", "required", "A17.1"),
        (3, 25, 3, "_consent_id", "no valid consent", "A16.1"),
    ]  # fmt: skip


def test_a_record_kept_back_by_the_client_is_reported_at_its_line() -> None:
    [error] = rejected_errors(BATCH)
    assert (error["line"], error["field"], error["reason"]) == (23, "row", "longer than 1048576 bytes")


def test_a_batch_refused_whole_is_reported_per_field_it_names_or_once() -> None:
    problem = {"detail": "The CSV header lacks items", "errors": [
        {"field": "id_number", "message": "missing from the header", "requirement": "A17.1"}]}  # fmt: skip
    assert [(e["line"], e["field"], e["reason"]) for e in refusal_errors(BATCH, problem)] == [
        (None, "id_number", "missing from the header")
    ]
    [only] = refusal_errors(BATCH, {"detail": "Entry is not published.", "requirement": "A15.1"})
    assert (only["field"], only["reason"], only["requirement"]) == (None, "Entry is not published.", "A15.1")


def test_a_rerun_keeps_the_errors_of_the_batches_done_and_drops_the_others(tmp_path: Path) -> None:
    path = tmp_path / "errors.jsonl"
    first = RowErrors(path)
    first.write([{"batch": 1, "line": 2}, {"batch": 2, "line": 9}, {"batch": 3, "line": 14}])
    first.close()
    with path.open("a") as file:
        file.write('{"batch": 4, "li')  # cut off by a kill
    again = RowErrors(path, keep={1, 3})
    again.write([{"batch": 4, "line": 20}])
    again.close()
    assert lines(path) == [{"batch": 1, "line": 2}, {"batch": 3, "line": 14}, {"batch": 4, "line": 20}]
    assert again.lines == 3
    fresh = RowErrors(path)
    fresh.close()
    assert path.read_text() == ""
