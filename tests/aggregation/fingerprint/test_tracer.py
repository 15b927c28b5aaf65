"""The tracer names the grant behind a re-exported file and never a grant for a file that came from none (A21.1).

The detection experiment at test scale: 20 grants of one entry, 200 stored records, each grant's delivery passed
through a CSV round trip, shuffled and cut to a random 10%. The assertions are on the verdicts, never on time."""

from __future__ import annotations

import csv
import io
import json
import math
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from aggregation_svc.fingerprint.marks import mark_records
from aggregation_svc.fingerprint.tracer import (
    ALPHA,
    log10_binomial_tail,
    read_csv,
    read_rows,
    trace,
)
from hub.contracts.catalog import DataItemSpec
from hub.spreadsheets import neutralise_formula

ITEMS = [
    DataItemSpec(name="record_id", label="业务编号", data_type="string", key=True),
    DataItemSpec(name="full_name", label="姓名", data_type="string"),
    DataItemSpec(name="amount", label="金额", data_type="decimal", length=12),
    DataItemSpec(name="updated_at", label="更新时间", data_type="datetime"),
    DataItemSpec(name="registered_on", label="登记日期", data_type="date"),
    DataItemSpec(name="dependants", label="赡养人数", data_type="integer"),
]
NAMES = [i.name for i in ITEMS]
GRANTS = 20
RECORDS = 200


def stored_records(rng: random.Random) -> list[dict[str, Any]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        {
            "record_id": f"R{n:06d}",
            "full_name": f"张{n}",
            "amount": f"{rng.randrange(100, 10_000_000) / 100:.2f}",
            "updated_at": (start + timedelta(seconds=rng.randrange(10**8))).isoformat(),
            "registered_on": f"20{n % 24:02d}-0{1 + n % 9}-1{n % 10}",
            "dependants": n % 5,
        }
        for n in range(RECORDS)
    ]


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def leaked(rows: list[dict[str, Any]], rng: random.Random, columns: Sequence[str] = NAMES) -> list[dict[str, Any]]:
    """The rows through a CSV round trip, shuffled, cut to a random 10%, written and read back again."""
    round_trip = list(csv.DictReader(io.StringIO(csv_text(rows, NAMES), newline="")))
    rng.shuffle(round_trip)
    return read_csv(csv_text(round_trip[: len(rows) // 10], columns))


World = tuple[list[dict[str, Any]], list[tuple[uuid.UUID, bytes]]]


@pytest.fixture(scope="module")
def world() -> World:
    """The entry's stored records and its grants; each test draws its samples with a random generator of its own."""
    rng = random.Random(2024)
    grants = [(uuid.UUID(int=rng.getrandbits(128)), rng.randbytes(32)) for _ in range(GRANTS)]
    return stored_records(rng), grants


def test_each_grant_is_named_from_a_10_percent_sample_of_its_delivery_after_a_csv_round_trip_A21_1(
    world: World,
) -> None:
    records, grants = world
    rng = random.Random(1)
    for grant_id, key in grants:
        verdict = trace(leaked(mark_records(records, ITEMS, key), rng), ITEMS, grants)
        assert verdict.grant_id == grant_id, verdict
        assert verdict.cells >= 20
        assert verdict.best is not None
        assert verdict.best.matches == verdict.cells
        assert verdict.runner_up is not None
        assert verdict.runner_up.matches < verdict.cells / 2
        assert verdict.log10_false_alarm_bound < math.log10(ALPHA)


@pytest.mark.parametrize("kept", [["amount"], ["updated_at"], ["full_name", "updated_at", "dependants"]])
def test_a_grant_is_named_from_any_one_marked_column_left_after_others_were_dropped_A21_1(
    world: World, kept: list[str]
) -> None:
    records, grants = world
    rng = random.Random(2)
    grant_id, key = grants[3]
    assert trace(leaked(mark_records(records, ITEMS, key), rng, kept), ITEMS, grants).grant_id == grant_id


def test_renamed_columns_still_testify_by_their_values_A21_1(world: World) -> None:
    records, grants = world
    rng = random.Random(3)
    grant_id, key = grants[5]
    rows = leaked(mark_records(records, ITEMS, key), rng)
    renamed = [{"金额": r["amount"], "时间": r["updated_at"], "序号": r["dependants"]} for r in rows]
    verdict = trace(renamed, ITEMS, grants)
    assert verdict.grant_id == grant_id
    assert verdict.columns == {"金额": "decimal", "时间": "datetime"}  # a label names its item; 时间 by its values


def test_no_grant_is_named_for_the_unmarked_data_nor_for_a_delivery_under_another_key_A21_1(world: World) -> None:
    records, grants = world
    rng = random.Random(4)
    for n in range(20):
        source = records if n % 2 else mark_records(records, ITEMS, rng.randbytes(32))
        verdict = trace(leaked(source, rng), ITEMS, grants)
        assert verdict.grant_id is None, verdict
        assert verdict.cells >= 20  # there was evidence: it pointed at no grant
        assert verdict.log10_false_alarm_bound >= math.log10(ALPHA)


def test_a_file_without_marked_values_is_no_evidence_A21_1(world: World) -> None:
    records, grants = world
    rng = random.Random(5)
    verdict = trace(
        leaked(mark_records(records, ITEMS, grants[0][1]), rng, ["record_id", "registered_on"]), ITEMS, grants
    )
    assert (verdict.grant_id, verdict.cells, verdict.best) == (None, 0, None)
    assert verdict.reason.startswith("no evidence")


def test_retyped_numbers_lose_the_mark_and_name_no_grant_A21_1(world: World) -> None:
    """The documented limit: a spreadsheet that reads amounts as numbers writes them in its own spelling."""
    records, grants = world
    rng = random.Random(6)
    rows = leaked(mark_records(records, ITEMS, grants[0][1]), rng, ["amount"])
    retyped = [{"amount": repr(float(r["amount"]))} for r in rows]
    assert trace(retyped, ITEMS, grants).grant_id is None


def test_mixed_deliveries_of_two_grants_show_both_as_significant_A21_1(world: World) -> None:
    records, grants = world
    (first, first_key), (second, second_key) = grants[0], grants[1]
    mixed = mark_records(records[:100], ITEMS, first_key) + mark_records(records[100:], ITEMS, second_key)
    verdict = trace(mixed, ITEMS, grants)
    assert set(verdict.significant) == {first, second}
    assert verdict.grant_id in (first, second)


def test_without_grants_nothing_is_named(world: World) -> None:
    records, grants = world
    verdict = trace(mark_records(records, ITEMS, grants[0][1]), ITEMS, [])
    assert verdict.grant_id is None
    assert verdict.cells > 0


@pytest.mark.parametrize(("n", "p", "m"), [(20, Fraction(1, 4), 12), (50, Fraction(1, 7), 9), (7, Fraction(1, 2), 7)])
def test_the_tail_bound_is_the_binomial_tail(n: int, p: Fraction, m: int) -> None:
    exact = sum(math.comb(n, j) * p**j * (1 - p) ** (n - j) for j in range(m, n + 1))
    assert log10_binomial_tail(n, float(p), m) == pytest.approx(math.log10(exact), rel=1e-9)


def test_below_the_mean_plus_one_no_bound_is_claimed() -> None:
    assert log10_binomial_tail(100, 0.25, 25) == 0.0
    assert log10_binomial_tail(100, 0.25, 26) < 0.0


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def test_files_are_read_as_csv_ndjson_or_json_with_numbers_kept_as_written(tmp_path: Path) -> None:
    rows = [{"amount": "12.50", "updated_at": "2024-05-01T08:00:00.000+08:00"}, {"amount": "-3.0", "updated_at": ""}]
    page = {"entry_id": "x", "records": rows}
    assert read_rows(write(tmp_path / "page.json", json.dumps(page))) == rows
    assert read_rows(write(tmp_path / "rows.json", '[{"amount": 12.50}, {"amount": -3.0}]')) == [
        {"amount": "12.50"}, {"amount": "-3.0"},
    ]  # fmt: skip
    lines = "\n".join(json.dumps(r) for r in rows) + '\n{"amount": "1'  # a truncated last line
    assert read_rows(write(tmp_path / "rows.ndjson", lines)) == rows
    assert read_rows(write(tmp_path / "rows.data", "\n".join(json.dumps(r) for r in rows))) == rows
    semicolons = "amount;updated_at\n12.50;2024-05-01T08:00:00.000+08:00\n-3.0;\n"
    assert read_rows(write(tmp_path / "excel.csv", "\ufeff" + semicolons)) == rows
    assert read_rows(write(tmp_path / "gbk.csv", semicolons.replace("amount", "金额"), "gb18030"))[0]["金额"] == "12.50"


def test_a_spreadsheet_safe_csv_is_traced_through_its_apostrophes_A21_1(world: World) -> None:
    records, grants = world
    rng = random.Random(9)
    grant_id, key = grants[7]
    negative = [{**r, "amount": "-" + r["amount"]} for r in records]
    rows = leaked(mark_records(negative, ITEMS, key), rng, ["amount"])
    guarded = [{"amount": neutralise_formula(r["amount"])} for r in rows]
    assert all(r["amount"].startswith("'-") for r in guarded)
    assert trace(guarded, ITEMS, grants).grant_id == grant_id
