"""Apache ECharts as vendored into the console (tools/vendor_echarts.py): the vendored files are the pinned ones of
the pinned tarball, and the script refuses a tarball or a registry that does not match what is pinned.

Integrity strings are Subresource Integrity's, as npm writes them: "sha512-" and the base64 of the SHA-512 digest,
computed here with hashlib, not with the script's own function."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from gateway.console.assets import VENDOR
from tools import vendor_echarts
from tools.vendor_echarts import KEPT, IntegrityError, pinned_mismatches, verified_files

FOLDER = Path(__file__).resolve().parents[3] / "gateway" / "gateway" / "console" / "vendor"


def sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def tarball(files: dict[str, bytes]) -> bytes:
    """A gzipped npm-style tarball holding `files` under package/."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, data in files.items():
            member = tarfile.TarInfo(f"package/{path}")
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


PACKAGE = {"dist/echarts.min.js": b"/* echarts */", "LICENSE": b"Apache License 2.0", "NOTICE": b"Apache ECharts"}


def test_the_vendored_files_are_the_pinned_ones_of_echarts_tarball() -> None:
    assert vendor_echarts.VERSION == "6.1.0"
    for path, pinned in KEPT.items():
        assert sri((FOLDER / path.rsplit("/", 1)[-1]).read_bytes()) == pinned, path
    # What the console serves is that file, byte for byte.
    assert sri(VENDOR["echarts.min.js"].body) == KEPT["dist/echarts.min.js"]


def test_a_tarball_with_the_pinned_integrity_gives_its_kept_files() -> None:
    package = tarball(PACKAGE)
    assert verified_files(package, stated=sri(package), pinned=sri(package)) == PACKAGE


def test_a_tarball_of_another_integrity_is_refused() -> None:
    package = tarball(PACKAGE)
    altered = tarball({**PACKAGE, "dist/echarts.min.js": b"/* echarts, altered */"})
    with pytest.raises(IntegrityError, match="tarball's integrity"):
        verified_files(altered, stated=sri(package), pinned=sri(package))


def test_a_registry_stating_another_integrity_than_the_pinned_one_is_refused() -> None:
    package = tarball(PACKAGE)
    with pytest.raises(IntegrityError, match="registry states"):
        verified_files(package, stated=sri(b"another release"), pinned=sri(package))


def test_a_tarball_missing_a_kept_file_is_refused() -> None:
    package = tarball({"dist/echarts.min.js": PACKAGE["dist/echarts.min.js"], "LICENSE": PACKAGE["LICENSE"]})
    with pytest.raises(IntegrityError, match="package/NOTICE"):
        verified_files(package, stated=sri(package), pinned=sri(package))


def test_a_kept_file_differing_from_its_pinned_hash_is_named() -> None:
    pinned = {path: sri(data) for path, data in PACKAGE.items()}
    assert pinned_mismatches(PACKAGE, pinned) == []
    assert pinned_mismatches({**PACKAGE, "LICENSE": b"MIT"}, pinned) == ["LICENSE"]
