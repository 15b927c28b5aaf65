"""Each service's OpenAPI as a client of the gateway sees it: under /api/<prefix>, with the roles of the one policy
table on every operation (A12.1), so the document states who may call a route, not only what it takes."""

from __future__ import annotations

import copy
from typing import Any

from gateway.access.policy import Policy

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def roles_note(roles: list[str], scope: str) -> str:
    """The line a reader sees at the top of an operation's description."""
    if not roles:
        return "**Public:** the gateway's own probe or document, outside the access-control table."
    where = f" — scope: {scope}" if scope else ""
    return f"**Roles:** {', '.join(roles)}{where}."


def annotate(openapi: dict[str, Any], service: str, prefix: str | None, policy: Policy) -> dict[str, Any]:
    """A copy of `openapi` with `servers` pointing at the gateway and every operation carrying `x-hub-roles`,
    `x-hub-scope` and a roles line in its description, taken from the policy table.

    A service's operations that no rule covers (its probes, on its own port) cannot be called through the gateway,
    so they are left out of the service's document (`prefix` given); the gateway's own are its public probes.
    """
    document = copy.deepcopy(openapi)
    if prefix is not None:
        document["servers"] = [{"url": f"/api/{prefix}", "description": "through the gateway (A12.1)"}]
    paths = document.get("paths", {})
    for path, operations in list(paths.items()):
        for method, operation in list(operations.items()):
            if method not in HTTP_METHODS or not isinstance(operation, dict):
                continue
            rule = policy.match(service, method.upper(), path)
            if rule is None and prefix is not None:
                del operations[method]
                continue
            roles = sorted(str(role) for role in rule.roles) if rule else []
            scope = rule.scope if rule else ""
            operation["x-hub-roles"] = roles
            operation["x-hub-scope"] = scope
            description = operation.get("description", "")
            operation["description"] = roles_note(roles, scope) + ("\n\n" + description if description else "")
        if not any(method in HTTP_METHODS for method in operations):
            del paths[path]
    return document
