"""How make test's workers share the files (tests/conftest.py's pytest_xdist_make_scheduler)."""

from __future__ import annotations

import functools
from pathlib import Path

from xdist.scheduler import LoadFileScheduling


@functools.cache
def outermost_package(folder: Path) -> Path | None:
    """The outermost folder of the package chain `folder` is in (each with an __init__.py); None outside packages."""
    if not (folder / "__init__.py").exists():
        return None
    return outermost_package(folder.parent) or folder


def work_unit(rootpath: Path, nodeid: str) -> str:
    """What one worker takes whole: the test's outermost package if its file is in one, else its file."""
    path = nodeid.split("::", 1)[0]
    package = outermost_package((rootpath / path).parent)
    return path if package is None else package.relative_to(rootpath).as_posix()


class PackageScheduling(LoadFileScheduling):  # type: ignore[misc]  # xdist ships no types
    """`--dist loadfile` where a package counts as one file: all of its files go to one worker, one after another.

    A package's fixture (one hub for tests/fuzz, the portal's) is then built once and torn down after
    its package's last test, rather than built again on each worker that takes one of its files. (Without an
    __init__.py, a "package" fixture is a session one: it kept a hub of five services idling on its worker's loop beside
    every module that followed, and starved their own.)"""

    def _split_scope(self, nodeid: str) -> str:
        return work_unit(self.config.rootpath, nodeid)
