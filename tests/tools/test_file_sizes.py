"""The size check `make lint` runs: a planted 2 MB text file fails it, lock files and binaries do not."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tools.file_sizes import main, oversized


def _repo(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "README.md").write_text("# small\n")
    return tmp_path


def _track(repo: Path, *names: str) -> None:
    subprocess.run(["git", "add", *names], cwd=repo, check=True)


def test_a_planted_two_megabyte_text_file_fails_the_check(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "README.md").write_text("a paragraph\n" * (2 * 1024 * 1024 // 12 + 1))
    _track(repo, "README.md")

    assert [path for path, _ in oversized(repo)] == [Path("README.md")]
    assert main([str(repo)]) == 1


def test_small_files_lock_files_and_binaries_pass(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "uv.lock").write_text("x" * (1024 * 1024))
    (repo / "image.png").write_bytes(b"\x89PNG\0" + b"\1" * (1024 * 1024))
    _track(repo, "README.md", "uv.lock", "image.png")

    assert oversized(repo) == []
    assert main([str(repo)]) == 0


def test_an_untracked_file_is_not_the_checks_concern(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (repo / "dump.txt").write_text("x" * (1024 * 1024))
    _track(repo, "README.md")

    assert oversized(repo) == []


def test_the_repository_itself_passes() -> None:
    assert oversized(Path(__file__).resolve().parents[2]) == []
