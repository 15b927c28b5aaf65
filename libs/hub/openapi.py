"""Every service's OpenAPI states the problem+json errors a client can get, with one Problem schema (RFC 9457).

FastAPI documents only a 422 of its own shape (HTTPValidationError), which the hub never answers. This replaces
it and adds, to every operation, the errors the mesh can answer there: 401, 403, 404 (a resource the request
names, in its path, query or body, does not exist), 422 (the input edge refuses unstorable text in any parameter),
429 (the gateway's rate limits) and 503 (database or upstream unavailable) on every route; 409 where the request
changes state; 400, 413 (the gateway's body caps) and 415 where it takes a body.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

from hub.errors import PROBLEM_CONTENT_TYPE

PROBLEM_REF = "#/components/schemas/Problem"
FASTAPI_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
STATE_CHANGING = frozenset({"post", "put", "patch", "delete"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details: what went wrong, the fields at fault, and the rule that refused it.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "description": "Stable problem type, `/problems/<kind>`."},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string", "description": "The path of the request that failed."},
        "requirement": {"type": "string", "description": "The requirement id that refused the request, e.g. A19.2."},
        "errors": {"type": "array", "items": {"$ref": "#/components/schemas/ProblemError"}},
        "trace_id": {
            "type": "string",
            "pattern": "^[0-9a-f]{32}$",
            "description": "On 500 and 503: the trace id to quote when reporting the fault.",
        },
    },
    # Problem types add members of their own (RFC 9457 §3.2), e.g. `policy_route`, `service`.
    "additionalProperties": True,
}
PROBLEM_ERROR_SCHEMA: dict[str, Any] = {
    "title": "ProblemError",
    "description": "One thing wrong with the request.",
    "type": "object",
    "required": ["message"],
    "properties": {
        "field": {"type": "string", "description": "Where: `body.items.0.name`, `query.region`, a column …"},
        "message": {"type": "string"},
        "requirement": {"type": "string", "description": "The requirement id this part breaks, e.g. A19.2."},
    },
    "additionalProperties": True,
}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
DESCRIPTIONS = {
    400: "The body cannot be parsed.",
    401: "No valid credentials (at the gateway) or internal token (at a service).",
    403: "The caller's roles or scope do not allow this.",
    404: "No such resource.",
    409: "The request conflicts with the resource's current state.",
    413: "The body exceeds the route's size cap.",
    415: "The body's media type is not one this route takes.",
    422: "Invalid input: `errors` names the fields at fault, `requirement` the rule of the Measures that refused it.",
    429: "Rate limit reached; retry after `Retry-After` seconds.",
    503: "A dependency (the database, an upstream service) is unavailable; retry after `Retry-After` seconds.",
}
EVERY_ROUTE = (401, 403, 404, 422, 429, 503)


def problem_statuses(method: str, operation: dict[str, Any]) -> list[int]:
    """The problem statuses an operation can answer, by what it is: every route's, plus by method and body."""
    statuses = list(EVERY_ROUTE)
    if method in STATE_CHANGING:
        statuses.append(409)
    if "requestBody" in operation:
        statuses += [400, 413, 415]
    return sorted(statuses)


def _problem_response(status: int, declared: dict[str, Any] | None) -> dict[str, Any]:
    # FastAPI's own 422 (HTTPValidationError) is a body the hub never sends: hub.errors answers it as a problem.
    if declared is None or "/HTTPValidationError" in json.dumps(declared):
        declared = {}
    response = {"description": DESCRIPTIONS[status], **declared}
    response["content"] = {**declared.get("content", {}), PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_REF}}}
    if status in (429, 503):
        response["headers"] = {**declared.get("headers", {}), **_RETRY_AFTER}
    return response


def add_problem_responses(document: dict[str, Any], *, skip_paths: Collection[str] = ()) -> dict[str, Any]:
    """Add the problem responses to every operation of an OpenAPI document (in place; returned for chaining).

    `skip_paths` get none but the 422 of an input they take (/readyz's `scope`): the probes answer no other problem.
    """
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            if path in skip_paths:
                statuses = [422] if "422" in responses else []
            else:
                statuses = problem_statuses(method, operation)
            for status in statuses:
                responses[str(status)] = _problem_response(status, responses.get(str(status)))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemError"] = PROBLEM_ERROR_SCHEMA
    for name in FASTAPI_VALIDATION_SCHEMAS:
        schemas.pop(name, None)
        if f'"#/components/schemas/{name}"' in json.dumps(document):
            raise ValueError(f"an operation still refers to FastAPI's {name}; its 422 must be a problem")
    return document


def install_problem_openapi(app: FastAPI, skip_paths: Collection[str]) -> None:
    """Make `app.openapi()` (and so /openapi.json) carry the problem responses; built once, on first use."""
    build: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_problem_responses(build(), skip_paths=skip_paths)  # build() caches the document it returns
        assert app.openapi_schema is not None
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
