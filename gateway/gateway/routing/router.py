"""HTTP for routing: /api/<prefix>/… goes to the service declared with that prefix."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import StreamingResponse

from gateway.context import GatewayContext
from gateway.routing import proxy

router = APIRouter(tags=["routing"])

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]


@router.api_route("/api/{prefix}/{path:path}", methods=METHODS, include_in_schema=False)
async def forward(prefix: str, path: str, request: Request) -> StreamingResponse:
    """Forward to the upstream service, signing the authenticated caller into an internal token."""
    context: GatewayContext = request.app.state.gateway
    upstream = proxy.resolve(context.upstreams, prefix)
    assert context.client is not None
    return await proxy.forward(
        request, context.client, context.signer, context.breakers, upstream, path,
        request.state.principal, request.state.audit,
    )  # fmt: skip
