"""The compliance matrix (A34.1): built from what the code and tests cite, and the committed one is current."""

from __future__ import annotations

from pathlib import Path

from tools.compliance import REGISTER, collect, read_register, render

ROOT = Path(__file__).resolve().parents[2]


def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / REGISTER).write_text(
        "| id | article | obligation | what the hub does |\n|---|---|---|---|\n"
        "| A12.1 | 12 | one channel | the gateway |\n| A19.2 | 19 | legal basis | refused without |\n"
    )
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def test_a_requirement_cited_by_a_module_and_a_test_is_enforced_and_tested(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "gateway/gateway/guard.py": '"""Every exchange passes here (A12.1)."""\n',
            "tests/test_guard.py": "def test_direct_calls_are_refused_A12_1():\n    assert True\n",
        },
    )
    found = collect(root)

    assert found["A12.1"].modules == {"gateway/gateway/guard.py"}
    assert dict(found["A12.1"].tests) == {"tests/test_guard.py": 1}
    matrix = render(read_register(root), found)
    assert "| A12.1 | 12 | the gateway | `gateway/gateway/guard.py` | `tests/test_guard.py` (1) |" in matrix
    assert "- A19.2 (article 19): no module and no test cites it yet." in matrix
    assert "A12.1 (article" not in matrix.split("## Not yet enforced")[1]


def test_a_requirement_only_the_code_cites_is_listed_as_untested(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"catalog-svc/catalog_svc/rules.py": "# A19.2: a legal basis\n"})

    assert "- A19.2 (article 19): no test cites it yet." in render(read_register(root), collect(root))


def test_an_id_outside_the_register_is_reported(tmp_path: Path) -> None:
    unknown = "A" + "99.9"  # built, so that this file does not itself cite an id outside the register
    root = _tree(tmp_path, {"libs/hub/x.py": f"# {unknown}\n", "tests/test_x.py": "def test_x_A12_1(): ...\n"})

    assert f"- {unknown}" in render(read_register(root), collect(root))


def test_the_register_holds_every_obligation_of_the_measures() -> None:
    ids = [requirement.id for requirement in read_register(ROOT)]

    assert len(ids) == len(set(ids)) == 35
    assert {"A2.1", "A12.1", "A20.3", "A24.3", "A36.1", "A38.1"} <= set(ids)


def test_the_committed_matrix_is_current() -> None:
    expected = render(read_register(ROOT), collect(ROOT))
    committed = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")

    assert committed == expected, "docs/compliance.md is stale: run `make docs`"
