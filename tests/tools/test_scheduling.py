"""make test's schedule (tests/scheduling.py): a package's files go to one worker together, and every package-scoped
fixture really is one (pytest treats a "package" fixture outside a package as a session fixture)."""

from __future__ import annotations

import re
from pathlib import Path

from scheduling import outermost_package, work_unit

REPO = Path(__file__).resolve().parents[2]
TESTS = REPO / "tests"


def test_a_packages_files_are_one_unit_and_other_files_their_own(tmp_path: Path) -> None:
    for folder in ("a/b/c", "d"):
        (tmp_path / folder).mkdir(parents=True)
    for package in ("a/b", "a/b/c"):
        (tmp_path / package / "__init__.py").touch()
    assert work_unit(tmp_path, "a/b/test_x.py::test_one") == "a/b"
    assert work_unit(tmp_path, "a/b/c/test_y.py::Test::test_two[1]") == "a/b"
    assert work_unit(tmp_path, "a/test_z.py::test_three") == "a/test_z.py"
    assert work_unit(tmp_path, "d/test_w.py::test_four") == "d/test_w.py"


def test_every_package_scoped_fixture_is_in_a_package() -> None:
    declared = [path for path in TESTS.rglob("*.py") if re.search(r"scope=[\"']package[\"']", path.read_text())]
    assert declared  # the suite's shared hubs (tests/fuzz, the portal's)
    for path in declared:
        assert outermost_package(path.parent) is not None, f"{path}: outside a package, a session fixture"
