"""`make mutate`: mutation testing of the Measures' rules, the access table and the audit chain (cosmic-ray).

Each mutant is one small change to one module (a number off by one, `<` for `<=`, `|` for `-` in a role set, a
character more or less in a constant); the module's unit tests must fail on it. A mutant they pass (a survivor)
is a change nobody would notice: either the tests are loose there, or the change is equivalent (no behaviour
differs). The score is killed / tried, per module.

Why cosmic-ray rather than mutmut: mutmut 3 mutates only statements inside functions, and the rules that matter
most here are module-level tables (the GB 32100 character set and weights, the access table's role sets, the
covered years of the calendar, a default resource-code pattern). cosmic-ray mutates the whole module; which of
its operators run, and two of ours, is tools/mutation_operators.py.

How it runs, and why so:
- cosmic-ray writes each mutant into the module's file, so the work happens in copies of the tree under
  .run/mutate/tree-N, one per worker (never in the work tree, where others run tests). A copy's packages come
  first on sys.path and PYTHONPATH, ahead of the editable installs that point at the work tree, and
  `check_copy` stops the run unless every mutated module is imported from the copy.
- A fresh `pytest` per mutant would spend seconds importing FastAPI, SQLAlchemy and pydantic each time. This
  process imports those third-party modules once (never a first-party one, so mutants are read from disk), then
  forks a child per mutant that runs the target's unit tests with pytest.main, stops at the first failure and
  is killed by SIGALRM past its timeout (a timeout kills the mutant).
- Hypothesis runs derandomized, without its example database and with at most 30 examples a test (where the
  test does not say otherwise), so the same tree gives the same score.
- Tests failing on the unmutated copy (another change in progress, or needing the servers) are deselected and
  listed; everything else is the target's tests as listed in TARGETS.

Results: .run/mutate/report.md (scores and every survivor's diff) and one cosmic-ray session per module in
.run/mutate/sessions (`cr-report` or `cr-html` on one shows it in cosmic-ray's own formats).

    python tools/mutate.py                       # every target in TARGETS, two workers
    python tools/mutate.py --only chain --jobs 1 # targets whose module path contains "chain"
    python tools/mutate.py --only ingest         # the ingest rules, mutated on request only (ON_REQUEST)
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cosmic_ray.mutating import use_mutation
from cosmic_ray.plugins import get_operator
from cosmic_ray.work_db import WorkDB, use_db
from cosmic_ray.work_item import MutationSpec, TestOutcome, WorkerOutcome, WorkResult

if __package__ in (None, ""):  # run as a script: `python tools/mutate.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.mutation_operators import work_items

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_FOLDERS = ("libs", "catalog-svc", "share-svc", "open-svc", "aggregation-svc", "supervision-svc", "gateway")
COPIED = (*PACKAGE_FOLDERS, "services", "tests", "pyproject.toml")
NOT_COPIED = shutil.ignore_patterns("__pycache__", ".mypy_cache", ".hypothesis", ".pytest_cache", "*.pyc")
PYTEST_ARGS = ("-x", "-q", "--noconftest", "-p", "no:cacheprovider", "-p", "pytest_asyncio.plugin", "-W", "ignore")
HYPOTHESIS_EXAMPLES = 30

# Each mutated module and the unit tests that answer for it (no PostgreSQL, no Kafka).
TARGETS: dict[str, tuple[str, ...]] = {
    "catalog-svc/catalog_svc/agencies/rules.py": (
        "tests/catalog/agencies/test_credit_code_standard.py",
        "tests/catalog/agencies/test_rules.py",
    ),
    "catalog-svc/catalog_svc/entries/rules.py": (
        "tests/catalog/entries/test_default_code_pattern.py",
        "tests/catalog/entries/test_rules.py",
    ),
    "catalog-svc/catalog_svc/regions/rules.py": (
        "tests/catalog/regions/test_placement_message.py",
        "tests/catalog/regions/test_rules.py",
    ),
    "catalog-svc/catalog_svc/deadlines/rules.py": ("tests/catalog/deadlines/test_rules.py",),
    "aggregation-svc/aggregation_svc/consent/rules.py": (
        "tests/aggregation/consent/test_rules_boundaries.py",
        "tests/aggregation/consent/test_rules.py",
    ),
    "aggregation-svc/aggregation_svc/delivery/rules.py": (
        "tests/aggregation/delivery/test_rules_edges.py",
        "tests/aggregation/delivery/test_rules.py",
    ),
    "aggregation-svc/aggregation_svc/quality/rules.py": ("tests/aggregation/quality/test_rules.py",),
    # test_policy.py is left out: collecting it builds every service's app (seconds a mutant), and what it checks
    # without servers (each declared route has one rule) no mutant breaks: paths and methods are not mutated.
    "gateway/gateway/access/policy.py": (
        "tests/gateway/access/test_policy_lookup.py",
        "tests/gateway/access/test_access_matrix.py",
    ),
    "gateway/gateway/audit/chain.py": (
        "tests/gateway/audit/test_chain_standard.py",
        "tests/gateway/audit/test_chain.py",
    ),
    "gateway/gateway/identities/rules.py": ("tests/gateway/identities/test_rules.py",),
    "libs/hub/regions.py": ("tests/libs/test_regions_provinces.py", "tests/libs/test_regions.py"),
    "libs/hub/workdays.py": ("tests/libs/test_workdays_covered_years.py", "tests/libs/test_workdays.py"),
}
# Mutated only when --only names them: the ingest rules have as many mutants as all the others together, and
# their tests take seconds a mutant (an hour on two cores).
ON_REQUEST: dict[str, tuple[str, ...]] = {
    "aggregation-svc/aggregation_svc/ingest/rules.py": (
        "tests/aggregation/ingest/test_rules.py",
        "tests/aggregation/ingest/test_rules_fast_paths.py",
        "tests/aggregation/ingest/test_rules_bulk.py",
    ),
}


# --- the copies, and the interpreter the mutants run in ---------------------------------------------------------


def make_copy(tree: Path) -> None:
    """A fresh copy of the work tree's packages and tests, without bytecode (mutants are read from source)."""
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tree / name, ignore=NOT_COPIED)
        else:
            shutil.copy2(source, tree / name)


def use_copy(tree: Path) -> None:
    """Make this process and every process it starts import the workspace packages from `tree`."""
    paths = [str(tree / folder) for folder in PACKAGE_FOLDERS]
    sys.path[:0] = paths
    os.environ["PYTHONPATH"] = os.pathsep.join([*paths, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    os.chdir(tree)


def module_name(path: str) -> str:
    """`libs/hub/regions.py` → `hub.regions`."""
    return ".".join(Path(path).with_suffix("").parts[1:])


def preload_third_party(tree: Path, tests: Sequence[str]) -> None:
    """Import, once, every module from outside the copy that collecting the tests imports (FastAPI, SQLAlchemy,
    pydantic, Hypothesis …), so that a forked child only has first-party code to read. First-party modules stay
    out: a child must import them from the mutated files."""
    script = (
        "import json, sys, pytest\n"
        f"pytest.main(['--collect-only', *{list(PYTEST_ARGS[1:])!r}, *{list(tests)!r}])\n"
        f"print(json.dumps([n for n, m in list(sys.modules.items()) if not str(getattr(m, '__file__', '') or '')"
        f".startswith({str(tree.parent)!r}) and not n.startswith(('tests', 'conftest', '__main__'))]))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / folder) for folder in PACKAGE_FOLDERS)}
    listing = subprocess.run(  # noqa: S603 - this interpreter, on our own script
        [sys.executable, "-c", script], cwd=tree, env=env, capture_output=True, text=True, check=False
    ).stdout
    for name in json.loads(listing.strip().splitlines()[-1]):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: S112 - a module that cannot be imported alone comes with its package
            continue
    sources = (str(tree.parent), *(str(ROOT / folder) for folder in PACKAGE_FOLDERS))
    first_party = [n for n, m in sys.modules.items() if str(getattr(m, "__file__", "") or "").startswith(sources)]
    if first_party:
        raise SystemExit(f"first-party modules were preloaded, their mutants would not be seen: {first_party}")
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "mutate",
        max_examples=HYPOTHESIS_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    settings.load_profile("mutate")


@dataclass
class Run:
    """How a child ran the tests."""

    exit_code: int
    seconds: float
    output: str
    failed: list[str]


class _FailedTests:
    """A pytest plugin noting the node ids of failing tests (for the baseline's deselection)."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(report.nodeid)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(report.nodeid)


def run_tests(args: Sequence[str], timeout: float | None) -> Run:
    """pytest.main(args) in a forked child; a child still running after `timeout` seconds is killed (SIGALRM)."""
    sys.stdout.flush()
    sys.stderr.flush()
    with tempfile.TemporaryFile("w+") as log, tempfile.TemporaryFile("w+") as failures:
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child never returns
            code = 70
            try:
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                if timeout:
                    signal.alarm(max(1, round(timeout)))
                import pytest

                noted = _FailedTests()
                code = int(pytest.main(list(args), plugins=[noted]))
                failures.write(json.dumps(noted.failed))
                failures.flush()
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        seconds = time.monotonic() - started
        log.seek(0)
        failures.seek(0)
        output, failed = log.read(), json.loads(failures.read() or "[]")
    if os.WIFSIGNALED(status):
        signalled = os.WTERMSIG(status)
        reason = "timeout" if signalled == signal.SIGALRM else f"killed by signal {signalled}"
        return Run(128 + signalled, seconds, reason, failed)
    return Run(os.WEXITSTATUS(status), seconds, output, failed)


def check_copy(tree: Path, modules: Sequence[str]) -> None:
    """Stop unless a child imports every mutated module from the copy (not from the work tree's editable install)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child never returns
        try:
            os.close(read)
            files = [str(importlib.import_module(module_name(m)).__file__) for m in modules]
            os.write(write, json.dumps(files).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        files = json.loads(pipe.read() or "[]")
    os.waitpid(pid, 0)
    outside = [f for f in files if not f.startswith(str(tree))] if files else ["(the child could not import them)"]
    if outside:
        raise SystemExit(f"mutated modules would be imported from outside the copy {tree}: {outside}")


# --- one target, the workers and the report ------------------------------------------------------------------------


@dataclass
class Score:
    """One target's outcome."""

    module: str
    killed: int = 0
    timeouts: int = 0
    unmade: int = 0  # mutants an operator failed to make: neither killed nor survived
    survivors: list[str] = field(default_factory=list)  # their diffs
    deselected: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def tried(self) -> int:
        return self.killed + len(self.survivors)

    @property
    def percent(self) -> float:
        return 100 * self.killed / self.tried if self.tried else 100.0


def _diff(before: str, after: str, spec: MutationSpec) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), str(spec.module_path), "mutant", n=0)
    return f"# {spec.operator_name}, line {spec.start_pos[0]}\n" + "".join(lines)


def mutate_target(module: str, tests: Sequence[str], sessions: Path) -> Score:
    """Every mutant of `module` against `tests` (those that exist), recorded in a cosmic-ray session as well."""
    started = time.monotonic()
    score = Score(module)
    tests = [t for t in tests if Path(t).exists()]
    baseline = run_tests([*PYTEST_ARGS[1:], *tests], timeout=None)
    if baseline.exit_code not in (0, 1) or not re.search(r"\d+ passed", baseline.output):
        raise SystemExit(f"{module}: its tests do not run on the unmutated copy:\n{baseline.output[-3000:]}")
    score.deselected = baseline.failed
    args = [*PYTEST_ARGS, *(f"--deselect={node}" for node in baseline.failed), *tests]
    timeout = 10 + 5 * baseline.seconds
    with use_db(str(sessions / (module.replace("/", "_") + ".sqlite")), WorkDB.Mode.create) as db:
        db.clear()
        db.add_work_items(work_items(Path(module)))
        for item in db.pending_work_items:
            spec = item.mutations[0]
            try:
                with use_mutation(spec.module_path, get_operator(spec.operator_name)(), spec.occurrence) as mutation:
                    before, after = mutation
                    run = run_tests(args, timeout)
            except Exception as exc:
                # An operator that cannot make this mutant (cosmic-ray's ExceptionReplacer fails on a dotted name in
                # a tuple, `except (binascii.Error, …)`); use_mutation has put the file back.
                db.set_result(item.job_id, WorkResult(WorkerOutcome.EXCEPTION, f"not made: {exc!r}"))
                score.unmade += 1
                continue
            survived = run.exit_code == 0
            outcome = TestOutcome.SURVIVED if survived else TestOutcome.KILLED
            diff = _diff(before, after, spec)
            result = WorkResult(WorkerOutcome.NORMAL, run.output[-2000:], outcome, diff)
            db.set_result(item.job_id, result)
            score.killed += not survived
            score.timeouts += run.output.startswith("timeout")
            if survived:
                score.survivors.append(diff)
    score.seconds = time.monotonic() - started
    return score


def work(tree: Path, queue: Any, work_dir: Path) -> None:
    """A worker: takes targets off the queue until it takes None, mutating them in its own copy `tree`."""
    use_copy(tree)
    check_copy(tree, [*TARGETS, *ON_REQUEST])
    while (module := queue.get()) is not None:
        score = mutate_target(module, {**TARGETS, **ON_REQUEST}[module], work_dir / "sessions")
        print(f"{module}: {score.killed}/{score.tried} killed ({score.percent:.1f}%) in {score.seconds:.0f} s")
        (work_dir / "scores" / (module.replace("/", "_") + ".json")).write_text(json.dumps(asdict(score)))


def write_report(scores: Sequence[Score], path: Path) -> str:
    """The table of scores (returned) and, in `path`, the table with every survivor's diff."""
    lines = ["| module | mutants | killed | survived | score |", "| --- | ---: | ---: | ---: | ---: |"]
    for s in scores:
        lines.append(f"| {s.module} | {s.tried} | {s.killed} | {len(s.survivors)} | {s.percent:.1f}% |")
    killed, tried = sum(s.killed for s in scores), sum(s.tried for s in scores)
    lines.append(f"| all | {tried} | {killed} | {tried - killed} | {100 * killed / max(tried, 1):.1f}% |")
    table = "\n".join(lines)
    details = [f"# Mutation testing\n\n{table}\n"]
    for s in scores:
        details.append(f"\n## {s.module}: {s.seconds:.0f} s, {s.timeouts} killed by timeout, {s.unmade} not made\n")
        if s.deselected:
            details.append("Deselected (failing unmutated):\n\n" + "".join(f"- {n}\n" for n in s.deselected))
        details.extend(f"\n```diff\n{diff}```\n" for diff in s.survivors)
    path.write_text("\n".join(details), encoding="utf-8")
    return table


def main(argv: Sequence[str] | None = None) -> int:
    """Mutate the targets chosen by --only (all of TARGETS by default) and print the scores; exit 0 whatever they
    are, 1 when a target could not be mutated (its tests did not run unmutated)."""
    parser = argparse.ArgumentParser(prog="python tools/mutate.py", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--only", action="append", default=[], help="a substring of the module paths to mutate")
    parser.add_argument("--jobs", type=int, default=2, help="workers, each with its own copy of the tree")
    parser.add_argument("--work-dir", type=Path, default=Path(os.environ.get("RUN_DIR", ROOT / ".run")) / "mutate")
    args = parser.parse_args(argv)
    targets = {**TARGETS, **ON_REQUEST} if args.only else TARGETS
    chosen = [m for m in targets if not args.only or any(o in m for o in args.only)]
    if not chosen:
        parser.error(f"no module to mutate matches {args.only}; the modules are: {', '.join(targets)}")
    work_dir = args.work_dir.resolve()
    shutil.rmtree(work_dir / "scores", ignore_errors=True)
    for folder in ("sessions", "scores"):
        (work_dir / folder).mkdir(parents=True, exist_ok=True)
    trees = [work_dir / f"tree-{n}" for n in range(1, max(1, min(args.jobs, len(chosen))) + 1)]
    for tree in trees:
        make_copy(tree)
    os.environ.update(PYTHONDONTWRITEBYTECODE="1", PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
    sys.dont_write_bytecode = True
    preload_third_party(trees[0], sorted({t for m in chosen for t in targets[m]}))
    # The biggest first, so that the workers end close together.
    os.chdir(ROOT)
    chosen.sort(key=lambda m: -sum(1 for _ in work_items(Path(m))))
    fork = multiprocessing.get_context("fork")
    queue = fork.SimpleQueue()
    for module in [*chosen, *[None] * len(trees)]:  # a None ends each worker
        queue.put(module)
    workers = [fork.Process(target=work, args=(tree, queue, work_dir)) for tree in trees]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    scores = [Score(**json.loads(p.read_text())) for p in sorted((work_dir / "scores").glob("*.json"))]
    print(write_report(scores, work_dir / "report.md"))
    print(f"survivors' diffs: {work_dir / 'report.md'}")
    return 0 if len(scores) == len(chosen) else 1


if __name__ == "__main__":
    sys.exit(main())
