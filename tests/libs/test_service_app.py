"""What every service gets from the one app factory: here, answers without content carry no content type."""

from __future__ import annotations

from collections.abc import Callable

import httpx
from fastapi import APIRouter, FastAPI, Response, status


async def test_a_204_carries_no_content_type_however_the_route_makes_it(
    make_service_app: Callable[..., FastAPI],
) -> None:
    router = APIRouter()

    @router.delete("/keys/{key}", status_code=status.HTTP_204_NO_CONTENT)
    async def revoke(key: str) -> None:
        """Declared the usual FastAPI way: its default response class names application/json."""

    @router.post("/keys/{key}/touch")
    async def touch(key: str) -> Response:
        return Response(status_code=status.HTTP_204_NO_CONTENT, media_type="application/json")

    app = make_service_app(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        answers = [await http.delete("/keys/k1"), await http.post("/keys/k1/touch")]
    for answer in answers:
        assert answer.status_code == 204
        assert "content-type" not in answer.headers  # RFC 9110 §15.3.5: a 204 has no content
        assert answer.content == b""


async def test_readiness_of_an_unknown_scope_is_a_problem_naming_the_parameter(
    service_apps: dict[str, FastAPI],
) -> None:
    # Probes answer whoever asks (no token): whatever the scope, the answer is never a 5xx.
    app = service_apps["gateway"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http:
        for scope in ("mesh", "%00", "self%0d%0a", "x" * 5000):
            answer = await http.get(f"/readyz?scope={scope}")
            assert answer.status_code == 422, scope
            assert answer.headers["content-type"] == "application/problem+json"
            assert "query.scope" in answer.text
