"""HTTP for routing: /api/<prefix>/… goes to the service declared with that prefix."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from gateway.routing import proxy
from hub.internal_token import Caller

router = APIRouter(tags=["routing"])

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@router.api_route("/api/{prefix}/{path:path}", methods=METHODS, include_in_schema=False)
async def forward(prefix: str, path: str, request: Request) -> StreamingResponse:
    """Forward to the upstream service, signing the caller into an internal token."""
    state = request.app.state
    upstream = proxy.resolve(state.upstreams, prefix)
    # Identities arrive with the gateway's access control; until a caller authenticates it is anonymous.
    caller = Caller(subject="anonymous")
    return await proxy.forward(request, state.upstream_client, state.token_signer, upstream, path, caller)
