"""catalog-svc keeps the shape STYLE.md gives a service: routers only translate, every query lives in the
repository of the domain that owns the table, and one domain reads another's tables only through that domain's
repository or service. Checked on the source, so a query slipped into a router or a service fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import catalog_svc

PACKAGE = Path(catalog_svc.__file__).parent
# What builds or runs a statement; a service may still name AsyncSession in its signatures.
QUERY_NAMES = frozenset({"select", "insert", "update", "delete", "text", "func", "any_", "literal"})
QUERY_METHODS = frozenset({"execute", "scalar", "scalars", "get", "stream", "stream_scalars"})


def modules(name: str) -> list[Path]:
    return sorted(PACKAGE.glob(f"*/{name}.py"))


def imports(path: Path) -> list[tuple[str, set[str]]]:
    """(module, names imported from it) of every import in the file."""
    found: list[tuple[str, set[str]]] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, {alias.name for alias in node.names}))
        elif isinstance(node, ast.Import):
            found += [(alias.name, set()) for alias in node.names]
    return found


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


def test_routers_reach_no_table_nor_repository_only_their_services() -> None:
    found = []
    for router in modules("router"):
        for module, names in imports(router):
            if module.startswith("sqlalchemy") and names - {"AsyncSession", "async_sessionmaker"}:
                found.append(f"{router.relative_to(PACKAGE)} imports {sorted(names)} from {module}")
            if module.endswith((".repository", ".models")) and module != "catalog_svc.jobs.models":
                found.append(f"{router.relative_to(PACKAGE)} imports {module}")
            if module.startswith("catalog_svc.") and "repository" in names:
                found.append(f"{router.relative_to(PACKAGE)} imports a repository from {module}")
        found += session_calls(router)
    assert found == []


def test_services_run_no_statement_of_their_own() -> None:
    found = []
    for service in modules("service"):
        for module, names in imports(service):
            if module == "sqlalchemy" and names & QUERY_NAMES:
                found.append(f"{service.relative_to(PACKAGE)} imports {sorted(names & QUERY_NAMES)}")
        found += session_calls(service)
    assert found == []


def test_a_repository_queries_only_its_own_domains_tables() -> None:
    found = []
    for repository in modules("repository"):
        domain = repository.parent.name
        for module, _ in imports(repository):
            if module.endswith(".models") and module != f"catalog_svc.{domain}.models":
                found.append(f"{domain}/repository.py imports {module}")
    assert found == []
    assert {"agencies", "deadlines", "entries", "regions", "sources"} <= {p.parent.name for p in modules("repository")}
