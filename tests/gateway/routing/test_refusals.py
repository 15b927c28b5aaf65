"""A request no rule covers: 405 with Allow on a route that takes other methods, 404 where there is no route
(RFC 9110 §15.5.6, §10.2.1), both problem+json. Which methods each route takes is written here from the README's
table of who may do what, not read from the policy."""

from __future__ import annotations

import uuid

import pytest

from gateway.access.policy import Policy
from harness import MeshStarter, assert_problem, region_admin

# (service, path inside it) → the methods a client may use on it.
ROUTES = {
    ("gateway", "/auth/token"): {"POST"},
    ("gateway", "/admin/clients"): {"GET", "HEAD", "POST"},
    ("catalog", "/agencies"): {"GET", "HEAD", "POST"},
    ("catalog", f"/agencies/{uuid.uuid4()}"): {"GET", "HEAD", "PATCH"},
    ("catalog", "/regions"): {"GET", "HEAD", "POST"},
    ("catalog", f"/entries/{uuid.uuid4()}/submit"): {"POST"},
    ("aggregation", f"/entries/{uuid.uuid4()}/batches/{uuid.uuid4()}"): {"GET", "HEAD", "POST"},
}


@pytest.mark.parametrize(("route", "methods"), ROUTES.items())
def test_the_methods_for_a_path_are_those_its_rules_take_and_head_with_get(
    route: tuple[str, str], methods: set[str]
) -> None:
    assert Policy().methods_for(*route) == methods


def test_a_path_no_rule_covers_has_no_methods() -> None:
    policy = Policy()
    assert policy.methods_for("catalog", "/nowhere") == frozenset()
    assert policy.methods_for("catalog", "/auth/token") == frozenset()  # the gateway's route, not the catalog's
    assert policy.methods_for("catalog", "/agencies/a/b") == frozenset()


@pytest.mark.integration
async def test_an_unknown_method_on_a_known_path_is_405_with_allow_and_an_unknown_path_404(
    start_mesh: MeshStarter,
) -> None:
    # No service runs behind the gateway: it answers these from its policy alone.
    async with start_mesh(["gateway"]) as mesh, mesh.client("gateway") as gateway:
        admin = await region_admin(mesh)
        token_delete = await gateway.delete("/auth/token")
        agencies_put = await gateway.put("/api/catalog/agencies", headers=admin)
        anonymous_put = await gateway.put("/api/catalog/agencies")
        submit_get = await gateway.get(f"/api/catalog/entries/{uuid.uuid4()}/submit", headers=admin)
        made_up = await gateway.request("PROPFIND", "/api/catalog/regions", headers=admin)
        # OPTIONS that is no CORS preflight: the hub takes no OPTIONS either.
        options = await gateway.options(f"/api/catalog/agencies/{uuid.uuid4()}")
        nowhere = await gateway.put("/api/catalog/nowhere", headers=admin)
        nothing_here = await gateway.get("/nothing-here", headers=admin)
    for response, allow in [
        (token_delete, "POST"),
        (agencies_put, "GET, HEAD, POST"),
        (anonymous_put, "GET, HEAD, POST"),
        (submit_get, "POST"),
        (made_up, "GET, HEAD, POST"),
        (options, "GET, HEAD, PATCH"),
    ]:
        problem = assert_problem(response, 405)
        assert problem["type"] == "/problems/method-not-allowed"
        assert response.headers["allow"] == allow
        assert problem["allowed"] == allow.split(", ")
        assert response.request.method in problem["detail"]
    for response in (nowhere, nothing_here):
        assert assert_problem(response, 404)["type"] == "/problems/not-found"
        assert "allow" not in response.headers
