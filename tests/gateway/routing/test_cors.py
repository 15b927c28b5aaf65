"""CORS preflights: the portal's origin is allowed the hub's methods; anything else is a problem+json 403 that says
what was refused, and carries no permission a browser would act on."""

from __future__ import annotations

import httpx
import pytest

from harness import MeshStarter, assert_problem

pytestmark = pytest.mark.integration

PORTAL = "https://portal.example"


async def test_a_refused_preflight_is_a_403_problem_naming_what_was_refused(start_mesh: MeshStarter) -> None:
    async with (
        start_mesh(["gateway"], {"gateway": {"HUB_PORTAL_ORIGINS": [PORTAL]}}) as mesh,
        mesh.client("gateway") as gateway,
    ):

        async def preflight(origin: str, method: str, headers: str = "content-type") -> httpx.Response:
            return await gateway.options(
                "/api/catalog/agencies",
                headers={
                    "origin": origin,
                    "access-control-request-method": method,
                    "access-control-request-headers": headers,
                },
            )

        allowed = await preflight(PORTAL, "PATCH")
        other_origin = await preflight("https://evil.example", "GET")
        other_method = await preflight(PORTAL, "TRACE")
        other_header = await preflight(PORTAL, "GET", "content-type, x-hub-internal-token")
        everything = await preflight("https://evil.example", "CONNECT", "x-anything")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == PORTAL
    for response, refused in [
        (other_origin, ["origin"]),
        (other_method, ["method"]),
        (other_header, ["headers"]),
        (everything, ["origin", "method", "headers"]),
    ]:
        problem = assert_problem(response, 403)
        assert problem["type"] == "/problems/forbidden"
        assert problem["refused"] == refused
    assert "access-control-allow-origin" not in other_origin.headers
    assert "access-control-allow-origin" not in everything.headers
