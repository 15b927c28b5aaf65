"""Every service's OpenAPI lists the problem+json errors a client can get, with the schema the answers follow."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import jsonschema_rs
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel

SERVICES = ("catalog", "share", "open", "aggregation", "supervision", "gateway")
PROBLEM = "application/problem+json"
PROBES = ("/healthz", "/readyz", "/metrics")
# Which errors a route can answer, from the contract and what the mesh does on the way to a route: the
# gateway authenticates (401), authorises (403), limits (429) and caps bodies (413); every input can be invalid
# (422); the database or an upstream can be down (503); a request names resources (in its path, or in its query
# like the catalogue export's `region`) that may not exist (404); a change can conflict with the state (409); a
# body can fail to parse (400) or be of a type the route does not take.
EVERY_ROUTE = {401, 403, 404, 422, 429, 503}
STATE_CHANGING = {409}
WITH_BODY = {400, 413, 415}


def _expected(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    expected = set(EVERY_ROUTE)
    if method in ("post", "put", "patch", "delete"):
        expected |= STATE_CHANGING
    if "requestBody" in operation:
        expected |= WITH_BODY
    return expected


def test_every_route_of_every_service_lists_its_problem_responses(service_apps: dict[str, FastAPI]) -> None:
    checked = 0
    for name in SERVICES:
        document = service_apps[name].openapi()
        for path, operations in document["paths"].items():
            if path in PROBES:
                continue
            for method, operation in operations.items():
                responses = operation["responses"]
                for status in _expected(path, method, operation):
                    response = responses.get(str(status))
                    assert response, f"{name} {method} {path} does not list {status}"
                    assert response["content"][PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
                    assert response["description"]
                    if status in (429, 503):
                        assert "Retry-After" in response["headers"]
                checked += 1
    assert checked > 40  # the catalogue and the gateway alone have more routes than that


def test_fastapis_own_validation_error_shape_is_documented_nowhere(service_apps: dict[str, FastAPI]) -> None:
    for name in SERVICES:
        text = json.dumps(service_apps[name].openapi())
        assert "HTTPValidationError" not in text, name
        assert "#/components/schemas/ValidationError" not in text, name


def test_the_problem_schema_holds_the_rfc_9457_members_and_the_hubs_own(service_apps: dict[str, FastAPI]) -> None:
    schemas = service_apps["catalog"].openapi()["components"]["schemas"]
    problem = schemas["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}
    assert {"type", "title", "status", "detail", "instance", "requirement", "errors", "trace_id"} <= set(
        problem["properties"]
    )
    assert {"field", "message"} <= set(schemas["ProblemError"]["properties"])


class Thing(BaseModel):
    name: str


async def test_the_problems_services_answer_are_valid_against_the_documented_schema(
    make_service_app: Callable[..., FastAPI], service_apps: dict[str, FastAPI]
) -> None:
    router = APIRouter()

    @router.post("/things")
    async def create_thing(thing: Thing) -> Thing:
        return thing

    @router.get("/broken")
    async def broken() -> None:
        raise RuntimeError("a bug")

    app = make_service_app(router)
    document = app.openapi()
    validator = jsonschema_rs.Draft202012Validator(
        {"$ref": "#/components/schemas/Problem", "components": document["components"]}
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://tiny") as http:
        answers = [
            await http.post("/things", json={"name": "\x00"}),  # the input edge
            await http.post("/things", json={"name": 3}),  # pydantic's validation
            await http.post("/things", content=b"{", headers={"content-type": "application/json"}),
            await http.get("/broken"),
        ]
    catalog = service_apps["catalog"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=catalog), base_url="http://catalog") as http:
        answers.append(await http.get("/regions"))  # no internal token: 401 naming A12.1
    assert [a.status_code for a in answers] == [422, 422, 422, 500, 401]
    for answer in answers:
        assert answer.headers["content-type"] == PROBLEM
        validator.validate(answer.json())
    assert document["paths"]["/things"]["post"]["responses"]["422"]["content"] == {
        PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
