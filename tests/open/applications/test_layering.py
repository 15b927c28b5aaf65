"""The access domains of open-svc (applications, agreements, keys, feedback, demands) keep the shape STYLE.md gives a
service: routers only translate, services run no statement of their own, and each repository queries only its own
domain's tables. Checked on the source with catalog-svc's walkers (tests/catalog/test_layering.py)."""

from __future__ import annotations

import ast
from pathlib import Path

from catalog.test_layering import QUERY_METHODS, QUERY_NAMES, imports

import open_svc

PACKAGE = Path(open_svc.__file__).parent
DOMAINS = ("applications", "agreements", "keys", "feedback", "demands")


def files(name: str) -> list[Path]:
    return [PACKAGE / domain / f"{name}.py" for domain in DOMAINS if (PACKAGE / domain / f"{name}.py").exists()]


def test_routers_reach_no_table_nor_repository_only_services() -> None:
    found = []
    for router in files("router"):
        for module, names in imports(router):
            if module.startswith("sqlalchemy") or module.endswith((".repository", ".models")) or "repository" in names:
                found.append(f"{router.relative_to(PACKAGE)} imports {module} {sorted(names)}")
    assert len(files("router")) == len(DOMAINS)
    assert found == []


def test_services_run_no_statement_of_their_own() -> None:
    found = []
    for service in [*files("service"), PACKAGE / "feedback" / "counts.py", PACKAGE / "applications" / "steps.py"]:
        for module, names in imports(service):
            if module == "sqlalchemy" and names & QUERY_NAMES:
                found.append(f"{service.relative_to(PACKAGE)} imports {sorted(names & QUERY_NAMES)}")
        found += session_calls(service)
    assert found == []


def session_calls(path: Path) -> list[str]:
    """`session.<method>(…)` calls that run a statement."""
    return [
        f"{path.relative_to(PACKAGE)}:{node.lineno} session.{node.func.attr}"
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in QUERY_METHODS
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "session"
    ]


def test_a_repository_queries_only_its_own_domains_tables() -> None:
    found = []
    for repository in files("repository"):
        domain = repository.parent.name
        for module, _ in imports(repository):
            if module.endswith(".models") and module != f"open_svc.{domain}.models":
                found.append(f"{domain}/repository.py imports {module}")
    assert found == []
