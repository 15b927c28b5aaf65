"""The leak tracer benchmark: does the fingerprint name the right grant from a re-exported 10% of its delivery, and
never a grant for a file that came from none (A21.1)?

    .venv/bin/python bench/leak_tracer.py [--records 1000] [--grants 50] [--trials 200] [--seed 11]

No servers: marking and tracing are pure functions (aggregation_svc.fingerprint). One entry with a realistic item
mix, `--records` stored records, `--grants` grants with random 32-byte keys. Each positive trial picks a grant,
marks the whole delivery with its key, writes it as CSV text and reads it back (the csv module), shuffles the rows,
drops a random subset of columns (at least one marked column stays), keeps a random 10% of the rows, writes that
as CSV and traces it. Each negative trial does the same with a file that came from no grant: half the time the
unmarked records, half the time a delivery marked with a key no grant holds. The figures go to
.run/bench/results.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import random
import statistics
import sys
import timeit
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from aggregation_svc.fingerprint.marks import MARKED_TYPES, mark_records, spelling
from aggregation_svc.fingerprint.tracer import ALPHA, Verdict, read_csv, trace
from hub.contracts.catalog import DataItemSpec
from results import RESULTS, write_results

SAMPLE = 0.10

ITEMS = [
    DataItemSpec(name="record_id", label="业务编号", data_type="string", length=20, key=True),
    DataItemSpec(name="full_name", label="姓名", data_type="string", length=20),
    DataItemSpec(name="amount", label="金额", data_type="decimal", length=12),
    DataItemSpec(name="rate", label="费率", data_type="decimal", length=5),
    DataItemSpec(name="updated_at", label="更新时间", data_type="datetime"),
    DataItemSpec(name="registered_on", label="登记日期", data_type="date"),
    DataItemSpec(name="dependants", label="赡养人数", data_type="integer", length=2),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"
RATES = ["0.03", "0.035", "0.05", "0.1", "0.125", "0.2", "0.015", "0.06"]
# The marked items whose values are many and distinct, one of which a leaked sample must hold to be traced; `rate`
# (eight values) is marked too, but alone it carries too few bits to single out one grant of fifty (docs).
EVIDENT = ["amount", "updated_at"]
MARKED = [*EVIDENT, "rate"]


def stored_records(count: int, rng: random.Random) -> list[dict[str, Any]]:
    """Records as the centre stores them (aggregation_svc.ingest.rules): decimals as sent (two places, as payment
    systems send amounts), datetimes in isoformat — most to the second, some to the millisecond, a few to the
    microsecond — with the +08:00 offset."""
    start = datetime(2023, 1, 1, tzinfo=UTC).astimezone()
    records = []
    for n in range(count):
        moment = start + timedelta(seconds=rng.randrange(3 * 365 * 86400))
        precision = rng.random()
        if precision > 0.95:
            moment = moment.replace(microsecond=rng.randrange(1, 1_000_000))
        elif precision > 0.8:
            moment = moment.replace(microsecond=rng.randrange(1, 1000) * 1000)
        records.append({
            "record_id": f"R{n:010d}",
            "full_name": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
            "amount": f"{Decimal(rng.randrange(100, 10_000_000)) / 100:.2f}",
            "rate": rng.choice(RATES),
            "updated_at": moment.isoformat(),
            "registered_on": (date(2000, 1, 1) + timedelta(days=rng.randrange(8000))).isoformat(),
            "dependants": rng.randrange(0, 6),
        })  # fmt: skip
    return records


def csv_text(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def re_exported(delivery: list[dict[str, Any]], rng: random.Random, needed: Sequence[str]) -> list[dict[str, Any]]:
    """The delivery as a leaker would pass it on: CSV round trip, shuffled, a random half of the columns dropped
    (one of `needed` kept if none is), a random 10% of the rows, written as CSV and read back by the tracer's
    reader."""
    names = [i.name for i in ITEMS]
    rows = list(csv.DictReader(io.StringIO(csv_text(delivery, names), newline="")))
    rng.shuffle(rows)
    kept = {name for name in names if rng.random() < 0.5}
    if not kept & set(needed):
        kept.add(rng.choice(needed))
    sample = rows[: max(1, round(len(rows) * SAMPLE))]
    return read_csv(csv_text(sample, [name for name in names if name in kept]))


def rate_only(delivery: list[dict[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    """A 10% sample whose only marked column is `rate`: eight distinct values, at most 8 × log2(3) ≈ 12.7 bits."""
    rows = rng.sample(delivery, max(1, round(len(delivery) * SAMPLE)))
    return read_csv(csv_text(rows, ["record_id", "full_name", "rate", "registered_on"]))


def bits_per_marked_cell(records: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Mean log2(number of spellings) over the values of each marked item: what one cell carries."""
    bits: dict[str, float] = {}
    for item in ITEMS:
        if item.data_type in MARKED_TYPES:
            counts = [s.spellings for r in records if (s := spelling(item, r[item.name])) is not None]
            bits[item.name] = statistics.fmean(math.log2(c) for c in counts)
    return bits


def marking_rates(records: list[dict[str, Any]], rounds: int = 10) -> dict[str, float]:
    """Records per second: marked under fresh keys (every value a PRF), marked again under one key (values
    remembered), and merely copied (the floor)."""

    def rate(work: Callable[[], object]) -> float:
        best = min(timeit.repeat(work, number=1, repeat=rounds))
        return len(records) / best

    key = uuid.uuid4().bytes * 2
    mark_records(records, ITEMS, key)
    return {
        "cold": rate(lambda: mark_records(records, ITEMS, uuid.uuid4().bytes * 2)),
        "warm": rate(lambda: mark_records(records, ITEMS, key)),
        "copied": rate(lambda: [dict(r) for r in records]),
    }


@dataclass
class Trials:
    """Verdicts of one kind of trial, and how many named the right grant and a wrong one."""

    verdicts: list[Verdict] = field(default_factory=list)
    right: int = 0
    wrong: int = 0

    def add(self, verdict: Verdict, source: uuid.UUID | None) -> None:
        self.verdicts.append(verdict)
        self.right += source is not None and verdict.grant_id == source
        self.wrong += verdict.grant_id not in (None, source)


def run_trials(args: argparse.Namespace) -> tuple[Trials, Trials, Trials, list[dict[str, Any]]]:
    """(positives, files from no grant, rate-only samples, the stored records)."""
    rng = random.Random(args.seed)
    records = stored_records(args.records, rng)
    grants = [(uuid.UUID(int=rng.getrandbits(128), version=4), rng.randbytes(32)) for _ in range(args.grants)]
    deliveries = {grant_id: mark_records(records, ITEMS, key) for grant_id, key in grants}
    positives, negatives, rates = Trials(), Trials(), Trials()
    for _ in range(args.trials):
        grant_id, _ = rng.choice(grants)
        positives.add(trace(re_exported(deliveries[grant_id], rng, EVIDENT), ITEMS, grants), grant_id)
    for n in range(args.trials):
        source = records if n % 2 else mark_records(records, ITEMS, rng.randbytes(32))
        negatives.add(trace(re_exported(source, rng, MARKED), ITEMS, grants), None)
    for _ in range(args.trials // 4):
        grant_id, _ = rng.choice(grants)
        rates.add(trace(rate_only(deliveries[grant_id], rng), ITEMS, grants), grant_id)
    return positives, negatives, rates, records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--grants", type=int, default=50)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    positives, negatives, rates, records = run_trials(args)
    true_rate, false_rate = positives.right / args.trials, negatives.wrong / args.trials
    cells = [v.cells for v in positives.verdicts]
    bounds = sorted(v.log10_false_alarm_bound for v in positives.verdicts)
    bits = bits_per_marked_cell(records)
    speed = marking_rates(records)

    print(f"leak tracer: {args.records} records, {args.grants} grants, {args.trials} trials each way, "
          f"{SAMPLE:.0%} of the rows re-exported as CSV, alpha {ALPHA:g}")  # fmt: skip
    print(f"  true-positive rate   {true_rate:.3f}  (the right grant named; {positives.wrong} wrong)")
    print(f"  false-positive rate  {false_rate:.3f}  (a grant named for a file from no grant)")
    print(f"  cells examined       median {statistics.median(cells):.0f}, min {min(cells)}, max {max(cells)}")
    print(f"  false-alarm bound    median 10^{statistics.median(bounds):.0f}, worst 10^{bounds[-1]:.1f} "
          f"(named only below {ALPHA:g})")  # fmt: skip
    lowest = min(v.log10_false_alarm_bound for v in negatives.verdicts)
    print(f"  files from no grant  strongest bound 10^{lowest:.1f}")
    print(f"  rate column only     named {rates.right}/{len(rates.verdicts)}, wrongly {rates.wrong} "
          f"(8 distinct values: too few bits, see docs/fingerprint.md)")  # fmt: skip
    print("  capacity             " + ", ".join(f"{name} {value:.2f} bits/cell" for name, value in bits.items()))
    print(f"  marking              {speed['cold']:,.0f} records/s new values, {speed['warm']:,.0f} remembered, "
          f"{speed['copied']:,.0f} copied unmarked")  # fmt: skip
    mean_bits = statistics.fmean(bits.values())
    write_results({
        "leak_tracer_true_positive_rate": {"value": true_rate, "unit": "ratio", "baseline": 1.0,
                                           "ratio": round(true_rate, 3)},
        "leak_tracer_false_positive_rate": {"value": false_rate, "unit": "ratio", "baseline": 1 / args.trials,
                                            "ratio": round(false_rate * args.trials, 3)},
        "leak_tracer_cells_examined_median": {"value": statistics.median(cells), "unit": "cells",
                                              "baseline": statistics.median(cells), "ratio": 1.0},
        "leak_tracer_bits_per_marked_cell": {"value": round(mean_bits, 3), "unit": "bits",
                                             "baseline": round(math.log2(7), 3),
                                             "ratio": round(mean_bits / math.log2(7), 3)},
        "leak_tracer_marked_records_per_s": {"value": round(speed["cold"]), "unit": "records/s",
                                             "baseline": round(speed["copied"]),
                                             "ratio": round(speed["cold"] / speed["copied"], 3)},
    })  # fmt: skip
    print(f"figures written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
