"""Vendor Apache ECharts into the bureau's console: its minified bundle and its licence, from its npm package.

The console has no build step and loads nothing from outside the hub (it runs on networks without internet access),
so the charting library is served from gateway/gateway/console/vendor/, written there by `make install` (its
bundle is not committed: a megabyte of minified code stays in its registry). This script fetches the pinned version's
tarball from the npm registry, checks it against the sha512 integrity the registry's metadata states and against the
one pinned here (a registry answering differently is refused too), and writes the kept files; `--check` writes
nothing and only says whether the vendored files are those of the verified tarball. The kept files' own hashes
are pinned in KEPT, which a test compares with the files without the network.

    .venv/bin/python tools/vendor_echarts.py            # (re)write the vendored files
    .venv/bin/python tools/vendor_echarts.py --check    # compare them with the registry's tarball

To move to another version: set VERSION and TARBALL_INTEGRITY from the registry's metadata
(https://registry.npmjs.org/echarts/<version>, `dist.integrity`), run with `--pin`, which prints the kept files'
hashes for KEPT, then run without it.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import sys
import tarfile
from pathlib import Path

import httpx

PACKAGE = "echarts"
VERSION = "6.1.0"
REGISTRY = "https://registry.npmjs.org"
# The registry's dist.integrity of echarts-6.1.0.tgz (Subresource Integrity notation: sha512, base64).
TARBALL_INTEGRITY = "sha512-q0yaFPggC9FUdsWH4blavRWFmxdrIodbkoKNAjJudAI6CA9gNPxHtV2RcZNEepZVlk4yvBYkOkbk6HIVpIyHZA=="
# The files kept, by their path in the tarball (under package/), with the integrity of each as the verified tarball
# holds it. Apache-2.0 asks that LICENSE and NOTICE travel with the code.
KEPT = {
    "dist/echarts.min.js": (
        "sha512-Uyq/AgtqFM4vT+unIGTDr4wMJDTUK9O5w2PXMQeBCSR8koqHpVz+qBmcQ+9Oeo5H+EmvT4pp/5QrsqhIbyjHTQ=="
    ),
    "LICENSE": "sha512-YloC0HUhhCSecLQ5BQ3/cyuJMMfW3lAQwF8kOlJaohRteq3WRYViz6KMGQPWM4k3j7DxKYcZcnEhJNR7bo8+xw==",
    "NOTICE": "sha512-4HSLet8Kh1NAkSSqjAlK2KwKN/tpjthnSH0TwbneAJ4s7dC+/RJmdg/UNH77xs60uSAqOTA5Wpjjq3Dte1cglw==",
}
VENDOR = Path(__file__).resolve().parents[1] / "gateway" / "gateway" / "console" / "vendor"


class IntegrityError(Exception):
    """What was fetched is not what was pinned."""


def integrity(data: bytes) -> str:
    """The Subresource Integrity string (sha512) of `data`, as npm writes it."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def vendored_name(path: str) -> str:
    """Where a kept file goes in the vendor folder: its own name (dist/echarts.min.js → echarts.min.js)."""
    return path.rsplit("/", 1)[-1]


def registry_integrity(client: httpx.Client, version: str = VERSION) -> str:
    """The integrity the registry's metadata states for the version's tarball."""
    response = client.get(f"{REGISTRY}/{PACKAGE}/{version}")
    response.raise_for_status()
    stated: str = response.json()["dist"]["integrity"]
    return stated


def fetch_tarball(client: httpx.Client, version: str = VERSION) -> bytes:
    response = client.get(f"{REGISTRY}/{PACKAGE}/-/{PACKAGE}-{version}.tgz")
    response.raise_for_status()
    return response.content


def verified_files(tarball: bytes, stated: str, pinned: str = TARBALL_INTEGRITY) -> dict[str, bytes]:
    """The kept files of a tarball whose integrity is the pinned one and the one the registry states, by path.

    Refuses (IntegrityError) a registry stating another integrity than the pinned one, a tarball of another
    integrity, and a tarball missing a kept file."""
    if stated != pinned:
        raise IntegrityError(f"the registry states {stated} for {PACKAGE} {VERSION}, not the pinned {pinned}")
    actual = integrity(tarball)
    if actual != pinned:
        raise IntegrityError(f"the tarball's integrity is {actual}, not the pinned {pinned}")
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(tarball), mode="r:gz") as archive:
        for path in KEPT:
            try:
                member = archive.extractfile(f"package/{path}")
            except KeyError:
                member = None
            if member is None:
                raise IntegrityError(f"the tarball holds no file package/{path}")
            files[path] = member.read()
    return files


def pinned_mismatches(files: dict[str, bytes], kept: dict[str, str] = KEPT) -> list[str]:
    """The kept files whose integrity is not the one pinned in KEPT."""
    return [path for path, data in files.items() if integrity(data) != kept[path]]


def vendored_files(folder: Path = VENDOR) -> dict[str, bytes]:
    """The committed vendored files, by their path in the tarball (a missing one reads as empty)."""
    return {path: (folder / vendored_name(path)).read_bytes() if (folder / vendored_name(path)).exists() else b""
            for path in KEPT}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="compare the committed files with the tarball's")
    mode.add_argument("--pin", action="store_true", help="print the kept files' integrity for KEPT")
    args = parser.parse_args(argv)
    with httpx.Client(timeout=120.0, follow_redirects=True) as client:
        try:
            files = verified_files(fetch_tarball(client), registry_integrity(client))
        except IntegrityError as refused:
            print(f"refused: {refused}", file=sys.stderr)
            return 2
    if args.pin:
        for path, data in files.items():
            print(f'    "{path}": "{integrity(data)}",')
        return 0
    wrong = pinned_mismatches(files)
    if wrong:
        print(f"refused: the verified tarball's {', '.join(wrong)} differ from KEPT", file=sys.stderr)
        return 2
    if args.check:
        stale = [path for path, data in vendored_files().items() if data != files[path]]
        for path in stale:
            print(f"{VENDOR / vendored_name(path)} is not {PACKAGE} {VERSION}'s {path}", file=sys.stderr)
        return 1 if stale else 0
    VENDOR.mkdir(parents=True, exist_ok=True)
    for path, data in files.items():
        (VENDOR / vendored_name(path)).write_bytes(data)
        print(f"wrote {VENDOR / vendored_name(path)} ({len(data):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
