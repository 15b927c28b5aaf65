"""Fails when a tracked text file is larger than any hand-written file should be.

A scripted edit once committed a 4.5 MB README (a paragraph inserted before every character); `make lint` runs this
so that cannot land again. Lock files are generated and exempt; binary files are not this check's concern.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

LIMIT_BYTES = 256 * 1024
# Minified bundles are vendored, not hand-written (the console's ECharts: tools/vendor_echarts.py pins its hash).
EXEMPT_SUFFIXES = (".lock", "lock.json", ".min.js")


def tracked_files(root: Path) -> list[Path]:
    """Every file git tracks under `root` (committed or staged)."""
    listing = subprocess.run(
        ["git", "ls-files", "-z"],  # noqa: S607 - git from PATH, as every developer runs it
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout
    return [root / name for name in listing.decode().split("\0") if name]


def is_text(path: Path) -> bool:
    """Whether a file looks like text: no NUL byte in its first 8 KiB (git's own heuristic)."""
    with path.open("rb") as file:
        return b"\0" not in file.read(8192)


def oversized(root: Path, limit: int = LIMIT_BYTES) -> list[tuple[Path, int]]:
    """Tracked text files above `limit` bytes, lock files excepted."""
    found = []
    for path in tracked_files(root):
        if path.name.endswith(EXEMPT_SUFFIXES) or not path.is_file():
            continue
        size = path.stat().st_size
        if size > limit and is_text(path):
            found.append((path.relative_to(root), size))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("root", nargs="?", default=".", type=Path)
    parser.add_argument("--limit", type=int, default=LIMIT_BYTES, help="bytes")
    args = parser.parse_args(argv)
    found = oversized(args.root.resolve(), args.limit)
    for path, size in found:
        print(f"{path}: {size:,} bytes, over the {args.limit:,}-byte limit for a text file", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
