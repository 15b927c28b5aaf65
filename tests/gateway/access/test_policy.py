"""The one access-control table, walked whole: every route, every role, allowed and denied (A12.1).

The walk expects the hand-written who-may matrix of test_access_matrix.py, not the table's own roles, so a role
wrongly added to or dropped from a rule fails here as well as there.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import uuid
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import pytest

from gateway.access.policy import POLICY, Rule
from harness import (
    CITY,
    Infra,
    Keys,
    LocalMesh,
    city_admin,
    hub_on_fresh_databases,
    register_client,
    token,
)
from hub.mesh import load_mesh
from hub.roles import Role

SERVICES = ["catalog", "share", "open", "aggregation", "supervision", "gateway"]
UNPOLICED = {"/healthz", "/readyz", "/metrics", "/api/{prefix}/{path:path}"}


def who_may() -> Mapping[tuple[str, str, str], frozenset[Role]]:
    """The who-may matrix of test_access_matrix.py (loaded by path: a test module is not an importable package)."""
    spec = importlib.util.spec_from_file_location("access_matrix", Path(__file__).with_name("test_access_matrix.py"))
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    matrix: Mapping[tuple[str, str, str], frozenset[Role]] = module.WHO_MAY
    return matrix


WHO_MAY = who_may()


def declared_routes() -> set[tuple[str, str, str]]:
    """(service, method, path) of every route every service's app declares."""
    private_pem = "unused"
    routes: set[tuple[str, str, str]] = set()
    for name in SERVICES:
        module = importlib.import_module(f"{load_mesh().service(name).package}.app")
        if name == "gateway":
            from hub.internal_token import generate_keypair

            private_pem, _ = generate_keypair()
            app = module.create_app(_settings(name, HUB_INTERNAL_TOKEN_PRIVATE_KEY=private_pem))
        else:
            app = module.create_app(_settings(name))
        # The OpenAPI document lists every route a client can call (the proxy route is left out of it).
        for path, operations in app.openapi()["paths"].items():
            if path not in UNPOLICED:
                routes.update((name, method.upper(), path) for method in operations)
        # No OpenAPI document lists itself nor its page; a service's are reached through the gateway (the
        # gateway's own are served before its guard).
        if name != "gateway":
            served = {getattr(route, "path", None) for route in app.routes}
            routes.update((name, "GET", path) for path in ("/openapi.json", "/docs") if path in served)
    return routes


def _settings(name: str, **extra: str) -> object:
    settings_module = importlib.import_module(f"{load_mesh().service(name).package}.settings")
    return settings_module.Settings(database_url="postgresql://nobody@127.0.0.1:1/none", log_json=False, **extra)


def test_every_route_of_every_service_has_exactly_one_rule_and_every_rule_a_route_A12_1() -> None:
    policed = [(r.service, r.method, r.path) for r in POLICY]
    assert len(policed) == len(set(policed)), "a route has two rules"
    assert set(policed) == declared_routes()


def test_a_request_no_rule_covers_is_refused() -> None:
    from gateway.access.policy import Policy, allows

    policy = Policy()
    assert policy.match("catalog", "DELETE", "/agencies/1") is None
    assert not allows(None, frozenset(Role))


@pytest.fixture(scope="module")
async def mesh(infra: Infra, keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[LocalMesh]:
    # The walk calls every route, the centre's backup job among them: its dumps go to a folder of the test's own.
    backups = {"aggregation": {"HUB_BACKUP_DIR": str(tmp_path_factory.mktemp("backups"))}}
    async with hub_on_fresh_databases(
        infra, keys, SERVICES, settings_overrides=lambda name: dict(backups.get(name, {}))
    ) as (running, _gateway):
        yield running


@pytest.fixture(scope="module")
async def callers(mesh: LocalMesh) -> dict[Role, dict[str, str]]:
    """Authorization headers of one caller holding each role (and nothing else)."""
    async with mesh.client("gateway") as gateway:
        admin = await city_admin(mesh, gateway)
        headers: dict[Role, dict[str, str]] = {Role.anonymous: {}}
        headers[Role.agency_system] = await register_client(gateway, admin, "agency_system", ["agency_system"])
        headers[Role.ingest_job] = await register_client(gateway, admin, "ingest_job", ["ingest_job"])
        for role in (Role.agency_officer, Role.agency_admin):
            headers[role] = await register_client(gateway, admin, "agency_person", [role.value])
        for role in (Role.reviewer, Role.administrator, Role.inspector):
            headers[role] = await register_client(gateway, admin, "operator", [role.value], region=CITY)
        portal_login = f"citizen-{uuid.uuid4().hex[:8]}"
        signup = {"login": portal_login, "display_name": "市民", "password": "a long portal password"}
        assert (await gateway.post("/portal/accounts", json=signup)).status_code == 201
        headers[Role.portal_user] = await token(gateway, portal_login, "a long portal password")
    return headers


def gateway_path(rule: Rule) -> str:
    """The path a client calls for a rule, with every path parameter filled in."""
    inner = re.sub(r"\{[^/}]+\}", str(uuid.uuid4()), rule.path)
    if rule.service == "gateway":
        return inner
    prefix = load_mesh().service(rule.service).prefix
    return f"/api/{prefix}{inner}"


def refused_by_policy(response: httpx.Response, rule: Rule) -> bool:
    return response.status_code in (401, 403) and response.json().get("policy_route") == rule.path


def refused_by_service(response: httpx.Response) -> bool:
    """A service's own re-check of the role refused what the gateway let through (the two disagree).

    Refusals for scope — another region (A4.1) — are the service's to make and do not count.
    """
    if response.status_code not in (401, 403):
        return False
    problem = response.json()
    return "policy_route" not in problem and problem.get("requirement") != "A4.1"


@pytest.mark.integration
@pytest.mark.parametrize("rule", POLICY, ids=lambda r: f"{r.service}:{r.method}:{r.path}")
async def test_each_role_is_allowed_or_denied_exactly_as_the_who_may_matrix_says_A12_1(
    rule: Rule, mesh: LocalMesh, callers: dict[Role, dict[str, str]]
) -> None:
    outcomes: dict[Role, bool] = {}
    rechecks: dict[Role, int] = {}
    async with mesh.client("gateway") as gateway:
        for role in Role:
            body: dict[str, object] | None = {} if rule.method in ("POST", "PATCH", "PUT") else None
            response = await gateway.request(rule.method, gateway_path(rule), json=body, headers=callers[role])
            outcomes[role] = not refused_by_policy(response, rule)
            if outcomes[role] and refused_by_service(response):
                rechecks[role] = response.status_code
    route = (rule.service, rule.method, rule.path)
    assert route in WHO_MAY, f"{route} is missing from the who-may matrix"
    wrong = {str(role): "let through" if allowed else "refused" for role, allowed in outcomes.items()
             if allowed != (role in WHO_MAY[route])}  # fmt: skip
    assert not wrong, f"the gateway disagrees with the who-may matrix on {' '.join(route)}: {wrong}"
    assert rechecks == {}, "the service refuses roles the gateway's table allows"
