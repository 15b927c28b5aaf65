"""Every goal of the exchange path (issue 14) and of the earlier benchmarks beside the figure this run measured.

    python bench/summary.py            # after make bench: reads .run/bench/results.json

The goals are written here from the issues' texts, not taken from the figures' own baselines, so a benchmark that
quietly moved its baseline cannot pass itself. A figure the run did not produce is printed as missing. The exit
code is 0 either way: performance is shown, not asserted.
"""

from __future__ import annotations

import json
import operator
import sys
from collections.abc import Callable
from dataclasses import dataclass

from results import RESULTS


@dataclass(frozen=True)
class Goal:
    figure: str
    text: str
    met: Callable[[float, float], bool]
    bound: float
    on: str = "value"  # "value", or "ratio" (the figure's value ÷ its baseline)


AT_MOST, AT_LEAST = operator.le, operator.ge

GOALS = [
    Goal("gateway_cpu_ms_per_read", "gateway CPU per proxied read ≤ 1.0 ms", AT_MOST, 1.0),
    Goal("direct_cpu_ms_per_read", "catalog-svc CPU per simple read ≤ 1.0 ms", AT_MOST, 1.0),
    Goal("service_cpu_ms_per_read_via_gateway", "catalog-svc CPU behind the gateway ≤ direct", AT_MOST, 1.0, "ratio"),
    Goal("gateway_vs_nginx_throughput", "gateway throughput ≥ 0.8 of nginx's", AT_LEAST, 0.8, "ratio"),
    Goal("gateway_added_p50_ms_1conn", "added latency, one connection, p50 ≤ 1.5 ms", AT_MOST, 1.5),
    Goal("gateway_added_p99_ms_1conn", "added latency, one connection, p99 ≤ 5 ms", AT_MOST, 5.0),
    Goal("event_latency_p50_ms", "outbox commit → consumer effect p50 ≤ 20 ms", AT_MOST, 20.0),
    Goal("event_latency_p99_ms", "outbox commit → consumer effect p99 ≤ 100 ms", AT_MOST, 100.0),
    Goal("event_latency_lost", "events lost at 500/s for 60 s = 0", AT_MOST, 0.0),
    Goal("event_latency_duplicated", "events duplicated in effect = 0", AT_MOST, 0.0),
    Goal("ingest_gateway_vs_copy", "ingest through the gateway ≥ 0.5 of COPY", AT_LEAST, 0.5),
    Goal("ingest_gateway_peak_rss_growth", "ingest memory flat (largest ÷ smallest file) ≤ 1.2", AT_MOST, 1.2),
    Goal("catalog_search_p99_ms", "catalogue search p99 at 100,000 entries ≤ 50 ms", AT_MOST, 50.0),
    Goal("grant_revocation_p99_ms", "a revoked grant stops delivering, p99 ≤ 1 s", AT_MOST, 1000.0),
    Goal("leak_tracer_true_positive_rate", "leak tracer names the right grant = 1", AT_LEAST, 1.0),
    Goal("leak_tracer_false_positive_rate", "leak tracer false alarms = 0", AT_MOST, 0.0),
]
# Figures to read the goals by (bench/README.md), printed after them and not counted: (figure, text, shown as).
CONTEXT = [
    ("service_cpu_ms_per_read_via_gateway_vs_same_rate", "catalog-svc behind gateway ÷ direct at same rate", "ratio"),
    ("python_cpu_ms_per_read", "bare Python proxy's CPU per read", "value"),
]


def main() -> int:
    figures = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    width = max(len(goal.text) for goal in GOALS)
    print(f"\n{'goal':<{width}}  {'measured':>14}  verdict")
    met_count = 0
    for goal in GOALS:
        figure = figures.get(goal.figure)
        if figure is None:
            print(f"{goal.text:<{width}}  {'missing':>14}  —")
            continue
        value = figure["value"] if goal.on == "value" else figure["ratio"]
        shown = f"{value:g} {figure['unit']}" if goal.on == "value" else f"× {value:g}"
        met = goal.met(value, goal.bound)
        met_count += met
        print(f"{goal.text:<{width}}  {shown:>14}  {'met' if met else 'MISSED'}")
    for name, text, on in CONTEXT:
        figure = figures.get(name)
        if figure is not None:
            shown = f"{figure['value']:g} {figure['unit']}" if on == "value" else f"× {figure['ratio']:g}"
            print(f"{'(' + text + ')':<{width}}  {shown:>14}")
    print(f"\n{met_count} of {len(GOALS)} goals met; every figure is in {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
