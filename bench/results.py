"""The one results file every benchmark adds its figures to: .run/bench/results.json."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("RUN_DIR", Path(__file__).resolve().parents[1] / ".run")) / "bench" / "results.json"


def write_results(new: dict[str, dict[str, Any]]) -> None:
    """Merge figures {"name": {"value", "unit", "baseline", "ratio"}} into the file; other benchmarks keep theirs."""
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    current: dict[str, Any] = {}
    if RESULTS.exists():
        with contextlib.suppress(ValueError):
            current = json.loads(RESULTS.read_text())
    current.update(new)
    tmp = RESULTS.with_suffix(".tmp")
    tmp.write_text(json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    tmp.replace(RESULTS)
