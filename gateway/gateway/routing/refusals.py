"""The answer to a request no rule of the policy covers: no such route (404), or not this method (405)."""

from __future__ import annotations

from gateway.access.policy import Policy
from hub.errors import NotFound, Problem


class MethodNotAllowed(Problem):
    kind, status, title = "method-not-allowed", 405, "Method not allowed"


def unrouted(policy: Policy, service: str, method: str, path: str, inside: str) -> Problem:
    """The refusal of `method` on the gateway path `path` (`inside` its service): 405 with the Allow header
    (RFC 9110 §15.5.6) when the policy has the path for other methods, 404 when it has no such path."""
    allowed = sorted(policy.methods_for(service, inside))
    if not allowed:
        return NotFound(f"No route {method} {path}.")
    return MethodNotAllowed(
        f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}.",
        headers={"Allow": ", ".join(allowed)},
        allowed=allowed,
    )
