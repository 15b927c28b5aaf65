"""CORS: browsers may call the hub from the open portal's origin(s) only, with the methods the policy has.

A refused preflight is a problem+json 403 (RFC 9457) saying what was refused, like every other refusal of the hub,
rather than Starlette's plain-text 400.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp

from gateway.access.policy import POLICY
from hub.errors import Forbidden, problem_response

# Every method some route of the policy takes, and HEAD wherever GET is.
METHODS = sorted({rule.method for rule in POLICY} | {"HEAD"})
# The portal's script also sends a data key (open-svc's keyed records, A24.3) and an anonymous reporter's token
# (following an error report, A26.1).
HEADERS = ["authorization", "content-type", "x-api-key", "x-hub-purpose", "x-open-data-key", "x-reporter-token"]
# Starlette's refusal reads "Disallowed CORS origin, method, headers"; what follows the prefix is what was refused.
_STARLETTE_REFUSAL = "Disallowed CORS "


class PortalCORS(CORSMiddleware):
    """Starlette's CORS middleware for the portal's origins, answering a refused preflight with problem+json."""

    def __init__(self, app: ASGIApp, origins: Sequence[str]) -> None:
        super().__init__(app, allow_origins=origins, allow_methods=METHODS, allow_headers=HEADERS)

    def preflight_response(self, request_headers: Headers) -> Response:
        """The answer to a preflight: Starlette's when it allows the request, a 403 problem when it refuses it."""
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        text = bytes(response.body).decode()
        refused = text.removeprefix(_STARLETTE_REFUSAL).split(", ") if text.startswith(_STARLETTE_REFUSAL) else []
        origin = request_headers["origin"]
        method = request_headers["access-control-request-method"]
        problem = Forbidden(
            f"A browser at {origin} may not send {method} to the hub (refused: {', '.join(refused) or 'the request'}).",
            refused=refused,
            # Starlette's CORS headers stay (Vary: Origin, and the methods and headers that are allowed).
            headers={k: v for k, v in response.headers.items() if k.lower() not in ("content-length", "content-type")},
        )
        return problem_response(problem)
